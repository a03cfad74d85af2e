"""Numeric built-ins, computed in the same decimal128 context as the operators."""

from __future__ import annotations

from datetime import timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

from feel.functions.registry import builtin
from feel.operators import NUMBERS

_MAX_SCALE = 6176  # decimal128's exponent range bounds a scale in FEEL


def _scaled(n: Decimal, scale: Decimal, rounding: str) -> Decimal | None:
    if scale != scale.to_integral_value() or abs(scale) > _MAX_SCALE:
        return None
    return n.quantize(Decimal(1).scaleb(-int(scale)), rounding=rounding, context=NUMBERS)


@builtin("decimal", "n: number", "scale: number")
def decimal(n: Decimal, scale: Decimal) -> Decimal | None:
    return _scaled(n, scale, ROUND_HALF_EVEN)


@builtin("floor", "n: number", "scale?: number")
def floor(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_FLOOR)


@builtin("ceiling", "n: number", "scale?: number")
def ceiling(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_CEILING)


@builtin("round up", "n: number", "scale?: number")
def round_up(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_UP)


@builtin("round down", "n: number", "scale?: number")
def round_down(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_DOWN)


@builtin("round half up", "n: number", "scale?: number")
def round_half_up(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_HALF_UP)


@builtin("round half down", "n: number", "scale?: number")
def round_half_down(n: Decimal, scale: Decimal = Decimal(0)) -> Decimal | None:
    return _scaled(n, scale, ROUND_HALF_DOWN)


@builtin("abs", "n: number|days and time duration")
def abs_(n: Decimal | timedelta) -> Decimal | timedelta:
    return abs(n) if isinstance(n, timedelta) else NUMBERS.abs(n)


@builtin("modulo", "dividend: number", "divisor: number")
def modulo(dividend: Decimal, divisor: Decimal) -> Decimal | None:
    """The remainder takes the divisor's sign: ``modulo(-12, 5)`` is 3."""
    if not divisor:
        return None
    quotient = NUMBERS.divide_int(dividend, divisor)
    remainder = NUMBERS.subtract(dividend, NUMBERS.multiply(quotient, divisor))
    if remainder and (remainder < 0) != (divisor < 0):
        remainder = NUMBERS.add(remainder, divisor)
    return remainder


@builtin("sqrt", "number: number")
def sqrt(number: Decimal) -> Decimal | None:
    return None if number < 0 else NUMBERS.sqrt(number)


@builtin("log", "number: number")
def log(number: Decimal) -> Decimal | None:
    return None if number <= 0 else NUMBERS.ln(number)


@builtin("exp", "number: number")
def exp(number: Decimal) -> Decimal:
    return NUMBERS.exp(number)


@builtin("odd", "number: number")
def odd(number: Decimal) -> bool:
    return number == number.to_integral_value() and number % 2 != 0


@builtin("even", "number: number")
def even(number: Decimal) -> bool:
    return number == number.to_integral_value() and number % 2 == 0
