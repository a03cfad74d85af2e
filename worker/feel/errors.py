"""Errors of the FEEL evaluator, all ``InputError``: a bad expression is the job's fault.

FEEL itself answers most problems with null (unknown variable, wrong argument type, mismatched
comparison), so only two things raise: text that does not parse, and a call that cannot be
made at all (no such function, wrong number or names of arguments).
"""

from __future__ import annotations

from producer.errors import InputError


class FeelError(InputError):
    """Base of every FEEL error; ``code`` is ``InvalidExpression``."""

    default_code = "InvalidExpression"


class FeelSyntaxError(FeelError):
    """The text is not a FEEL expression; says where (1-based) and what was expected."""

    def __init__(self, line: int, column: int, expected: list[str], got: str) -> None:
        self.line = line
        self.column = column
        self.expected = expected
        self.got = got
        message = f"syntax error at line {line}, column {column}: "
        if expected:
            message += "expected one of " + ", ".join(expected) + "; "
        message += f"got {got}"
        super().__init__(
            message,
            details={"line": line, "column": column, "expected": expected, "got": got},
        )


class FeelEvaluationError(FeelError):
    """A function call that FEEL cannot make: unknown name, bad arity or parameter names."""

    def __init__(self, function: str, reason: str) -> None:
        self.function = function
        super().__init__(f"function '{function}': {reason}", details={"function": function})
