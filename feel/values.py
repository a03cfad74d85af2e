"""FEEL values in Python, their kinds, and the way in from JSON and back out.

null -> None, number -> ``Decimal`` (never float: 0.1 + 0.2 must be 0.3), string -> str,
boolean -> bool, list -> list, context -> dict, plus the temporal kinds of ``temporal`` and
the two kinds below (ranges and functions), which JSON has no form for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from feel.temporal import YearMonthDuration, format_temporal


@dataclass(frozen=True, slots=True)
class Range:
    """``[1..10]``, ``(0..1]``: an interval value; either end may be null (unbounded)."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool


@dataclass(frozen=True, slots=True, eq=False)
class FeelFunction:
    """A function value from ``function(a, b) a + b``; ``invoke`` gets the bound arguments."""

    params: tuple[str, ...]
    invoke: Callable[[Sequence[Any]], Any]

    def __call__(self, *args: Any) -> Any:
        return self.invoke(args)


_KINDS: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    Decimal: "number",
    str: "string",
    list: "list",
    dict: "context",
    date: "date",
    datetime: "date and time",
    time: "time",
    timedelta: "days and time duration",
    YearMonthDuration: "years and months duration",
    Range: "range",
    FeelFunction: "function",
}


def kind(value: Any) -> str:
    """The FEEL type name of a value (``"number"``, ``"date and time"``, ...)."""
    found = _KINDS.get(type(value))
    if found is not None:
        return found
    for python_type, name in reversed(_KINDS.items()):  # subclasses, e.g. of datetime
        if isinstance(value, python_type):
            return name
    return "unknown"


def from_json(value: Any) -> Any:
    """Turn JSON-shaped data into FEEL values; floats go through ``str`` to stay decimal."""
    value_type = type(value)
    if value is None or value_type in (str, bool, Decimal):
        return value
    if value_type is int:
        return Decimal(value)
    if value_type is float:
        return Decimal(str(value)) if math.isfinite(value) else None
    if value_type is dict:
        return {str(k): from_json(v) for k, v in value.items()}
    if value_type in (list, tuple):
        return [from_json(v) for v in value]
    return _from_other(value)


def _from_other(value: Any) -> Any:
    if isinstance(value, (date, time, timedelta, YearMonthDuration, Range, FeelFunction)):
        return value
    if isinstance(value, Mapping):
        return {str(k): from_json(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [from_json(v) for v in value]
    if isinstance(value, int):  # int subclasses (IntEnum); bool was handled above
        return Decimal(int(value))
    raise TypeError(f"{type(value).__name__} is not JSON data and has no FEEL value")


def to_json(value: Any) -> Any:
    """Turn a FEEL value into JSON data: integral numbers become int, others float;
    dates, times and durations become ISO-8601 text; a range or function, its FEEL text."""
    value_type = type(value)
    if value is None or value_type in (str, bool):
        return value
    if value_type is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    if value_type is list:
        return [to_json(v) for v in value]
    if value_type is dict:
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (date, time, timedelta, YearMonthDuration)):
        return format_temporal(value)
    return to_text(value)


def format_number(value: Decimal) -> str:
    """Plain decimal text, never scientific notation (``1E+3`` reads as ``1000``)."""
    return format(value, "f")


def to_text(value: Any) -> str:
    """FEEL's ``string()`` of any value: strings as they are, everything else as FEEL text."""
    if isinstance(value, str):
        return value
    return _literal(value)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}:{_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Range):
        return (
            ("[" if value.start_included else "(")
            + f"{_literal(value.start)}..{_literal(value.end)}"
            + ("]" if value.end_included else ")")
        )
    if isinstance(value, FeelFunction):
        return "function(" + ", ".join(value.params) + ")"
    return format_temporal(value)
