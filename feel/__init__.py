"""A FEEL (DMN 1.3/1.4) expression evaluator for the connector headers ``resultExpression``
and ``errorExpression``.

    >>> evaluate("=response.score > 0.5", {"response": {"score": 0.75}})
    True

Parsing is the expensive part, so ``compile_expression`` keeps the last 1024 distinct texts:
one job type uses the same few expressions for every job. Values come in as JSON data (floats
become ``Decimal`` through ``str``, so ``0.1`` stays 0.1) and go out through ``to_json``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from feel.compiler import compile_node
from feel.errors import FeelError, FeelEvaluationError, FeelSyntaxError
from feel.parser import parse
from feel.scope import Evaluator, Scope
from feel.values import from_json, to_json

__all__ = [
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "compile_expression",
    "evaluate",
    "to_json",
    "warm_up",
]

CACHE_SIZE = 1024


class Expression:
    """A compiled FEEL expression; immutable and safe to share between threads."""

    __slots__ = ("_evaluator", "text")

    def __init__(self, text: str, evaluator: Evaluator) -> None:
        self.text = text
        self._evaluator = evaluator

    def evaluate(self, context: Mapping[str, Any] | None = None) -> Any:
        """The value of the expression over ``context`` (JSON data), as a FEEL value.

        Raises ``FeelEvaluationError`` only for calls FEEL cannot make (unknown function,
        wrong arguments) and runaway iterations; every other problem yields null (None).
        """
        variables = from_json(dict(context)) if context else {}
        try:
            return self._evaluator(Scope(variables))
        except RecursionError:
            raise FeelEvaluationError("the expression nests too deeply to evaluate") from None

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


@functools.lru_cache(maxsize=CACHE_SIZE)
def compile_expression(text: str) -> Expression:
    """Parse and compile ``text`` (a leading ``=`` is allowed); raises ``FeelSyntaxError``,
    or ``FeelError`` for an expression nested deeper than Python's recursion limit allows."""
    tree = parse(text)
    try:
        return Expression(text, compile_node(tree))
    except RecursionError:
        raise FeelError("the expression nests too deeply to compile") from None


def warm_up() -> None:
    """Build the parser now rather than on the first compile (about 0.2 s): call it where a
    worker process starts, or before it forks, so no job pays for it."""
    parse("null")


def evaluate(text: str, context: Mapping[str, Any] | None = None) -> Any:
    """Compile (cached) and evaluate in one step."""
    return compile_expression(text).evaluate(context)
