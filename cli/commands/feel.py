"""``smq feel EXPRESSION``: try a result or error expression before deploying it."""

from __future__ import annotations

import argparse
import sys

from cli.commands import Commands

ORDER = 70


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "feel",
        help="evaluate a FEEL expression (exit 0 with the value, 2 with the error)",
        description="Evaluate a FEEL expression as a job's resultExpression or "
        "errorExpression would be evaluated.",
    )
    p.add_argument("expression", help="e.g. '{score: response.body.score}' (a leading = is fine)")
    p.add_argument("--context", default=None, help="the variables, as a JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from feel.playground import run as evaluate

    code, text = evaluate(args.expression, args.context)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code
