"""``+ - * /`` where a date, time or duration takes part, and their properties (``d.year``).

Each function answers None when FEEL defines no result for the pair of kinds, or when Python
cannot compute one (a naive minus an aware date-time, a year out of range).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException
from typing import Any

from feel.temporal import YearMonthDuration, total_micros

_ANCHOR = date(2000, 1, 1)  # any day: time-of-day arithmetic borrows one and drops it again


def add(a: Any, b: Any) -> Any:
    if isinstance(b, (date, time)) and not isinstance(a, (date, time)):
        a, b = b, a
    try:
        return _add(a, b)
    except (OverflowError, ValueError, TypeError):
        return None


def _add(a: Any, b: Any) -> Any:
    if isinstance(b, timedelta):
        if isinstance(a, (date, timedelta)):
            return a + b
        if isinstance(a, time):
            moved = datetime.combine(_ANCHOR, a.replace(tzinfo=None)) + b
            return moved.time().replace(tzinfo=a.tzinfo)
    if isinstance(b, YearMonthDuration):
        if isinstance(a, date):
            return add_months(a, b.months)
        if isinstance(a, YearMonthDuration):
            return YearMonthDuration(a.months + b.months)
    return None


def subtract(a: Any, b: Any) -> Any:
    try:
        return _subtract(a, b)
    except (OverflowError, ValueError, TypeError):
        return None


def _subtract(a: Any, b: Any) -> Any:
    if isinstance(b, (timedelta, YearMonthDuration)):
        return _add(a, negate(b))
    if type(a) is type(b) and isinstance(a, date):
        return a - b
    if isinstance(a, time) and isinstance(b, time):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return None
        return datetime.combine(_ANCHOR, a) - datetime.combine(_ANCHOR, b)
    return None


def negate(value: Any) -> Any:
    if isinstance(value, timedelta):
        return -value
    if isinstance(value, YearMonthDuration):
        return YearMonthDuration(-value.months)
    return None


def multiply(a: Any, b: Any) -> Any:
    """A duration scaled by a number, either way round."""
    if isinstance(a, Decimal):
        a, b = b, a
    if not isinstance(b, Decimal):
        return None
    try:
        if isinstance(a, timedelta):
            return timedelta(microseconds=_round(total_micros(a) * b))
        if isinstance(a, YearMonthDuration):
            return YearMonthDuration(int(a.months * b))
    except (DecimalException, OverflowError):
        return None
    return None


def divide(a: Any, b: Any) -> Any:
    """A duration divided by a number (a duration) or by a duration of its kind (a number)."""
    try:
        if isinstance(a, timedelta):
            if isinstance(b, Decimal):
                return timedelta(microseconds=_round(total_micros(a) / b))
            if isinstance(b, timedelta):
                return Decimal(total_micros(a)) / Decimal(total_micros(b))
        if isinstance(a, YearMonthDuration):
            if isinstance(b, Decimal):
                return YearMonthDuration(int(a.months / b))
            if isinstance(b, YearMonthDuration):
                return Decimal(a.months) / Decimal(b.months)
    except (DecimalException, OverflowError):
        return None
    return None


def _round(micros: Decimal) -> int:
    return int(micros.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic; the day is clamped (Jan 31 + 1 month = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def property_of(value: Any, name: str) -> Any:
    """``value.name`` on a temporal value (``d.year``, ``t.hour``, ``dur.days``), else None."""
    getter = _PROPERTIES.get((_kind_of(value), name))
    return None if getter is None else getter(value)


def _kind_of(value: Any) -> str:
    for kind in (datetime, date, time, timedelta, YearMonthDuration):
        if isinstance(value, kind):
            return kind.__name__
    return ""


def _offset(value: datetime | time) -> timedelta | None:
    return value.utcoffset()


def _zone(value: datetime | time) -> str | None:
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else None


def _clock_properties(kind: str) -> dict[tuple[str, str], Any]:
    return {
        (kind, "hour"): lambda v: Decimal(v.hour),
        (kind, "minute"): lambda v: Decimal(v.minute),
        (kind, "second"): lambda v: Decimal(v.second),
        (kind, "time offset"): _offset,
        (kind, "timezone"): _zone,
    }


def _date_properties(kind: str) -> dict[tuple[str, str], Any]:
    return {
        (kind, "year"): lambda v: Decimal(v.year),
        (kind, "month"): lambda v: Decimal(v.month),
        (kind, "day"): lambda v: Decimal(v.day),
        (kind, "weekday"): lambda v: Decimal(v.isoweekday()),
    }


def _duration_part(divisor: int, modulo: int | None) -> Any:
    """A component of a days-time duration, carrying the duration's sign."""

    def part(value: timedelta) -> Decimal:
        micros = total_micros(value)
        whole = abs(micros) // divisor
        if modulo is not None:
            whole %= modulo
        return Decimal(-whole if micros < 0 else whole)

    return part


def _months_part(value: YearMonthDuration, of_years: bool) -> Decimal:
    years, months = divmod(abs(value.months), 12)
    part = years if of_years else months
    return Decimal(-part if value.months < 0 else part)


_PROPERTIES: dict[tuple[str, str], Any] = {
    **_date_properties("date"),
    **_date_properties("datetime"),
    **_clock_properties("datetime"),
    **_clock_properties("time"),
    ("timedelta", "days"): _duration_part(86_400_000_000, None),
    ("timedelta", "hours"): _duration_part(3_600_000_000, 24),
    ("timedelta", "minutes"): _duration_part(60_000_000, 60),
    ("timedelta", "seconds"): _duration_part(1_000_000, 60),
    ("YearMonthDuration", "years"): lambda v: _months_part(v, of_years=True),
    ("YearMonthDuration", "months"): lambda v: _months_part(v, of_years=False),
}
