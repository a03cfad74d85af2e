"""FEEL's temporal values as Python objects, read from and written to ISO-8601 text.

date -> ``datetime.date``, date and time -> ``datetime.datetime`` (naive when the text has no
offset, ``ZoneInfo`` for ``@Europe/Berlin``), time -> ``datetime.time``, days and time
duration -> ``datetime.timedelta``, years and months duration -> ``YearMonthDuration``
(a month count: a month is no fixed number of days, so it cannot be a ``timedelta``).
Text that does not parse gives None, which FEEL shows as null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND


@dataclass(frozen=True, slots=True, order=True)
class YearMonthDuration:
    """A years-and-months duration, kept as a signed number of months."""

    months: int


_DATE = r"(-?\d{4,9})-(\d{2})-(\d{2})"
_TIME = r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
_ZONE = r"(Z|[+-]\d{2}:\d{2}|@[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*)?"
_DATE_RE = re.compile(_DATE)
_TIME_RE = re.compile(_TIME + _ZONE)
_DATE_TIME_RE = re.compile(_DATE + "T" + _TIME + _ZONE)
_DURATION_RE = re.compile(
    r"(-)?P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def parse_date(text: str) -> date | None:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return None
    return _time(*match.groups())


def parse_date_time(text: str) -> datetime | None:
    """``2024-01-15T10:00:00Z``; a bare date means its midnight, as in feel-scala."""
    match = _DATE_TIME_RE.fullmatch(text)
    if match is None:
        day = parse_date(text)
        return None if day is None else datetime(day.year, day.month, day.day)
    day = parse_date(f"{match[1]}-{match[2]}-{match[3]}")
    clock = _time(*match.groups()[3:])
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock)


def _time(
    hour: str, minute: str, second: str | None, fraction: str | None, zone: str | None
) -> time | None:
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    offset = _zone(zone)
    if zone is not None and offset is None:
        return None
    try:
        return time(int(hour), int(minute), int(second or 0), micros, tzinfo=offset)
    except ValueError:
        return None


def _zone(text: str | None) -> tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return UTC
    if text.startswith("@"):
        try:
            return ZoneInfo(text[1:])
        except (ValueError, OSError):  # unknown zone id, or no tz database on the host
            return None
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 18 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_duration(text: str) -> timedelta | YearMonthDuration | None:
    """ISO-8601 duration; FEEL keeps the two kinds apart, so ``P1Y2D`` is null."""
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        return None
    sign = -1 if match[1] else 1
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[1:7])
    seconds = Decimal(match[8] or 0)
    if match[2] or match[3]:
        if any(match.groups()[3:]):
            return None
        return YearMonthDuration(sign * (years * 12 + months))
    micros = int(seconds * MICROS_PER_SECOND)
    micros += ((weeks * 7 + days) * 24 * 60 + hours * 60 + minutes) * 60 * MICROS_PER_SECOND
    return timedelta(microseconds=sign * micros)


def parse_temporal(text: str) -> date | datetime | time | timedelta | YearMonthDuration | None:
    """The value of an ``@"..."`` literal: whichever temporal kind the text is."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    if ":" in text:
        return parse_time(text)
    return parse_date(text)


def format_temporal(value: date | time | timedelta | YearMonthDuration) -> str:
    """ISO-8601 text, as FEEL's ``string()`` writes it."""
    if isinstance(value, datetime):
        return value.date().isoformat() + "T" + _clock(value.time()) + _zone_suffix(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value) + _zone_suffix(value)
    if isinstance(value, timedelta):
        return _format_days_time(value)
    return _format_years_months(value)


def _clock(value: time) -> str:
    text = f"{value.hour:02}:{value.minute:02}:{value.second:02}"
    if value.microsecond:
        text += f".{value.microsecond:06}".rstrip("0")
    return text


def _zone_suffix(value: datetime | time) -> str:
    if value.tzinfo is None:
        return ""
    if isinstance(value.tzinfo, ZoneInfo):
        return "@" + value.tzinfo.key
    offset = value.utcoffset()
    if not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"


def total_micros(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * MICROS_PER_SECOND + value.microseconds


def _format_days_time(value: timedelta) -> str:
    micros = total_micros(value)
    sign, micros = ("-" if micros < 0 else ""), abs(micros)
    days, micros = divmod(micros, MICROS_PER_DAY)
    hours, micros = divmod(micros, 3600 * MICROS_PER_SECOND)
    minutes, micros = divmod(micros, 60 * MICROS_PER_SECOND)
    seconds, micros = divmod(micros, MICROS_PER_SECOND)
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or micros:
        clock += (f"{seconds}.{micros:06}".rstrip("0") if micros else str(seconds)) + "S"
    text = (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{text}" if text else "PT0S"


def _format_years_months(value: YearMonthDuration) -> str:
    sign = "-" if value.months < 0 else ""
    years, months = divmod(abs(value.months), 12)
    text = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    return f"{sign}P{text}" if text else "P0M"
