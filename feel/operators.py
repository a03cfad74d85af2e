"""FEEL's operators on values: arithmetic, comparison and three-valued logic.

Every operator answers null rather than raising: a null operand, a pair of kinds the operator
is not defined for (``1 + "a"``, ``1 < "a"``), division by zero, or a result out of range.
Numbers follow DMN's decimal128: 34 significant digits, rounding half to even.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException
from typing import Any

from feel import temporal_arithmetic
from feel.values import kind

NUMBERS = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)
"""Decimal128 as DMN defines it; a private context, so the thread's context is left alone."""

_ORDERED_KINDS = frozenset(
    {
        "number",
        "string",
        "date",
        "date and time",
        "time",
        "days and time duration",
        "years and months duration",
    }
)


def _numeric(operation: Callable[[Decimal, Decimal], Decimal], a: Decimal, b: Decimal) -> Any:
    try:
        return operation(a, b)
    except DecimalException:  # division by zero, overflow, 0/0, (-8) ** 0.5
        return None


def add(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:
        return _numeric(NUMBERS.add, a, b)
    if type(a) is str and type(b) is str:
        return a + b
    return temporal_arithmetic.add(a, b)


def subtract(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:
        return _numeric(NUMBERS.subtract, a, b)
    return temporal_arithmetic.subtract(a, b)


def multiply(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:
        return _numeric(NUMBERS.multiply, a, b)
    return temporal_arithmetic.multiply(a, b)


def divide(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if type(a) is Decimal and type(b) is Decimal:
        return _numeric(NUMBERS.divide, a, b)
    return temporal_arithmetic.divide(a, b)


def power(a: Any, b: Any) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        return _numeric(NUMBERS.power, a, b)
    return None


def negate(a: Any) -> Any:
    if type(a) is Decimal:
        return NUMBERS.minus(a)
    return temporal_arithmetic.negate(a)


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "**": power,
}


def equal(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different kinds are not comparable."""
    if a is None or b is None:
        return a is None and b is None
    kind_a = kind(a)
    if kind_a != kind(b):
        return None
    if kind_a == "list":
        return len(a) == len(b) and _all_equal(zip(a, b, strict=True))
    if kind_a == "context":
        return a.keys() == b.keys() and _all_equal((a[k], b[k]) for k in a)
    return bool(a == b)


def _all_equal(pairs: Any) -> bool | None:
    result: bool | None = True
    for left, right in pairs:
        same = equal(left, right)
        if same is False:
            return False
        if same is None:
            result = None
    return result


def not_equal(a: Any, b: Any) -> bool | None:
    return negation(equal(a, b))


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1, or None when the two values have no order between them."""
    if a is None or b is None:
        return None
    kind_a = kind(a)
    if kind_a != kind(b) or kind_a not in _ORDERED_KINDS:
        return None
    try:
        return -1 if a < b else (1 if a > b else 0)
    except TypeError:  # a naive and an aware date-time
        return None


def less(a: Any, b: Any) -> bool | None:
    order = compare(a, b)
    return None if order is None else order < 0


def less_or_equal(a: Any, b: Any) -> bool | None:
    order = compare(a, b)
    return None if order is None else order <= 0


def greater(a: Any, b: Any) -> bool | None:
    order = compare(a, b)
    return None if order is None else order > 0


def greater_or_equal(a: Any, b: Any) -> bool | None:
    order = compare(a, b)
    return None if order is None else order >= 0


COMPARISONS: dict[str, Callable[[Any, Any], bool | None]] = {
    "=": equal,
    "!=": not_equal,
    "<": less,
    "<=": less_or_equal,
    ">": greater,
    ">=": greater_or_equal,
}


def negation(value: Any) -> bool | None:
    """``not(x)``: only booleans have a negation."""
    if value is True:
        return False
    if value is False:
        return True
    return None


def conjunction(a: Any, b: Any) -> bool | None:
    """Three-valued ``and``: false wins over null; anything not boolean counts as null."""
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def disjunction(a: Any, b: Any) -> bool | None:
    """Three-valued ``or``: true wins over null; anything not boolean counts as null."""
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None
