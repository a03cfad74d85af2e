"""Errors of the FEEL evaluator: one base class carrying a code, a message and details.

The package stands alone (no import of the service); the service maps ``FeelError`` to its
own ``InputError`` in ``worker/expressions.py``, since a bad expression is the job's fault.

FEEL itself answers most problems with null (unknown variable, wrong argument type, mismatched
comparison), so only two things raise: text that does not parse, and a call that cannot be
made at all (no such function, wrong number or names of arguments).
"""

from __future__ import annotations

from typing import Any


class FeelError(Exception):
    """Base of every FEEL error; ``code`` is ``InvalidExpression``, ``details`` says where."""

    code = "InvalidExpression"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class FeelSyntaxError(FeelError):
    """The text is not a FEEL expression; says where (1-based) and what was expected."""

    def __init__(self, line: int, column: int, expected: list[str], got: str) -> None:
        self.line = line
        self.column = column
        self.expected = expected
        self.got = got
        message = f"syntax error at line {line}, column {column}: "
        if len(expected) > 1:
            message += "expected one of " + ", ".join(expected) + f"; got {got}"
        elif expected:
            message += f"expected {expected[0]}; got {got}"
        else:
            message += f"unexpected {got}"
        super().__init__(
            message,
            details={"line": line, "column": column, "expected": expected, "got": got},
        )


class FeelEvaluationError(FeelError):
    """An evaluation FEEL cannot finish: a call to an unknown function, with the wrong number
    or names of arguments, or an iteration over a range too large to be meant."""

    def __init__(self, reason: str, *, function: str | None = None) -> None:
        self.function = function
        self.reason = reason
        message = f"function '{function}': {reason}" if function else reason
        super().__init__(message, details={"function": function} if function else None)
