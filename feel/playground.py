"""The logic behind ``smq feel EXPRESSION [--context JSON]``: try an expression by hand.

A pure function returning (exit code, text) so the CLI stays a thin shell and tests need no
subprocess: 0 and the value as JSON, or 2 and the error with its position.
"""

from __future__ import annotations

import json

from feel import FeelError, evaluate, to_json

EXIT_OK = 0
EXIT_USAGE = 2


def run(expression: str, context_json: str | None) -> tuple[int, str]:
    """Evaluate ``expression`` over the JSON object ``context_json`` (none: empty)."""
    context = {}
    if context_json is not None:
        try:
            context = json.loads(context_json)
        except json.JSONDecodeError as exc:
            return EXIT_USAGE, f"context is not valid JSON: {exc}"
        if not isinstance(context, dict):
            return EXIT_USAGE, "context must be a JSON object"
    try:
        value = evaluate(expression, context)
    except FeelError as exc:
        return EXIT_USAGE, exc.message
    return EXIT_OK, json.dumps(to_json(value), ensure_ascii=False)
