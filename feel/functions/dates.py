"""Temporal built-ins: construct dates, times and durations, and read calendar facts.

``now()`` and ``today()`` use UTC: a worker's local zone says nothing about the process.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from feel.functions.registry import builtin
from feel.temporal import (
    YearMonthDuration,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)


def _int(n: Decimal) -> int:
    if n != n.to_integral_value():
        raise ValueError("not a whole number")
    return int(n)


@builtin("now")
def now() -> datetime:
    return datetime.now(UTC)


@builtin("today")
def today() -> date:
    return datetime.now(UTC).date()


@builtin("date", "from: string|date")
def date_from(from_: str | date) -> date | None:
    if isinstance(from_, datetime):
        return from_.date()
    if isinstance(from_, date):
        return from_
    moment = parse_date_time(from_) if "T" in from_ else None
    return moment.date() if moment is not None else parse_date(from_)


@builtin("date", "year: number", "month: number", "day: number")
def date_of(year: Decimal, month: Decimal, day: Decimal) -> date:
    return date(_int(year), _int(month), _int(day))


@builtin("date and time", "from: string|date")
def date_and_time_from(from_: str | date) -> datetime | None:
    if isinstance(from_, datetime):
        return from_
    if isinstance(from_, date):
        return datetime(from_.year, from_.month, from_.day)
    return parse_date_time(from_)


@builtin("date and time", "date: date", "time: time")
def date_and_time_of(date: date, time: time) -> datetime:
    day = date.date() if isinstance(date, datetime) else date
    return datetime.combine(day, time)


@builtin("time", "from: string|time|date and time")
def time_from(from_: str | time | datetime) -> time | None:
    if isinstance(from_, datetime):
        return from_.timetz()
    if isinstance(from_, time):
        return from_
    return parse_time(from_)


@builtin(
    "time",
    "hour: number",
    "minute: number",
    "second: number",
    "offset?: days and time duration|null",
)
def time_of(
    hour: Decimal, minute: Decimal, second: Decimal, offset: timedelta | None = None
) -> time:
    whole = int(second)
    micros = int((second - whole) * 1_000_000)
    zone = None if offset is None else timezone(offset)
    return time(_int(hour), _int(minute), whole, micros, tzinfo=zone)


@builtin("duration", "from: string")
def duration(from_: str) -> timedelta | YearMonthDuration | None:
    return parse_duration(from_)


@builtin("years and months duration", "from: date", "to: date")
def years_and_months_duration(from_: date, to: date) -> YearMonthDuration:
    """Whole months from ``from`` to ``to``; a month counts once its day is reached."""
    months = (to.year - from_.year) * 12 + to.month - from_.month
    if months > 0 and _day_time(to) < _day_time(from_):
        months -= 1
    elif months < 0 and _day_time(to) > _day_time(from_):
        months += 1
    return YearMonthDuration(months)


def _day_time(value: date) -> tuple[int, time]:
    clock = value.time() if isinstance(value, datetime) else time()
    return value.day, clock


@builtin("day of year", "date: date")
def day_of_year(date: date) -> Decimal:
    return Decimal(date.timetuple().tm_yday)


@builtin("day of week", "date: date")
def day_of_week(date: date) -> str:
    return _WEEKDAYS[date.weekday()]


@builtin("month of year", "date: date")
def month_of_year(date: date) -> str:
    return _MONTHS[date.month - 1]


@builtin("week of year", "date: date")
def week_of_year(date: date) -> Decimal:
    return Decimal(date.isocalendar().week)


# English names on purpose: strftime("%A") would follow the worker's locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
