"""Conversions and the few built-ins that accept any value: string(), number(), not()..."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from feel import operators
from feel.functions.registry import builtin
from feel.values import to_text

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPING = {" ", ",", ".", None}
_DECIMAL = {",", ".", None}


@builtin("string", "from: any")
def string(from_: Any) -> str | None:
    return None if from_ is None else to_text(from_)


@builtin(
    "number", "from: string", "grouping separator?: string|null", "decimal separator?: string|null"
)
def number(
    from_: str, grouping_separator: str | None = None, decimal_separator: str | None = None
) -> Decimal | None:
    """``number("1 000,5", " ", ",")`` is 1000.5; text that is no number gives null."""
    text = from_
    if grouping_separator not in _GROUPING or decimal_separator not in _DECIMAL:
        return None
    if grouping_separator is not None and grouping_separator == decimal_separator:
        return None
    if grouping_separator:
        text = text.replace(grouping_separator, "")
    if decimal_separator:
        text = text.replace(decimal_separator, ".")
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


@builtin("not", "negand: any")
def not_(negand: Any) -> bool | None:
    return operators.negation(negand)


@builtin("is defined", "value: any")
def is_defined(value: Any) -> bool:
    """Reached only for arguments that are no name or path (the compiler checks those):
    any value, null included, is defined."""
    return True


@builtin("get or else", "value: any", "default: any")
def get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value
