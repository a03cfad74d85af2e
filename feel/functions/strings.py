"""String built-ins. Positions are 1-based and count code points, as FEEL specifies.

``matches``, ``replace``, ``split`` and ``extract`` take XPath regular expressions; the
``regex`` module reads the common subset as Python's ``re`` does, and, unlike ``re``, can stop
a match that runs too long: a pattern with catastrophic backtracking, written into a model,
would otherwise hold a worker thread for hours. XPath's replacement syntax (``$1``, ``\\$``)
is translated.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import regex

from feel.errors import FeelEvaluationError
from feel.functions.registry import builtin

_FLAGS = {"i": regex.IGNORECASE, "s": regex.DOTALL, "m": regex.MULTILINE, "x": regex.VERBOSE}
# Longest one regular-expression call may run (seconds); then the expression fails.
REGEX_TIMEOUT = 0.25
_T = TypeVar("_T")


def _bounded(function: str, call: Callable[[float], _T]) -> _T:
    """Run ``call(timeout)``; a match that outruns it is the expression's error, not a hang."""
    try:
        return call(REGEX_TIMEOUT)
    except TimeoutError:
        raise FeelEvaluationError(
            f"the regular expression ran longer than {REGEX_TIMEOUT:g} s "
            "(catastrophic backtracking?)",
            function=function,
        ) from None


@builtin("string length", "string: string")
def string_length(string: str) -> Decimal:
    return Decimal(len(string))


@builtin("substring", "string: string", "start position: number", "length?: number")
def substring(string: str, start_position: Decimal, length: Decimal | None = None) -> str | None:
    start = int(start_position)
    if start == 0:
        return None
    first = start - 1 if start > 0 else max(len(string) + start, 0)
    if length is None:
        return string[first:]
    return string[first : first + max(int(length), 0)]


@builtin("upper case", "string: string")
def upper_case(string: str) -> str:
    return string.upper()


@builtin("lower case", "string: string")
def lower_case(string: str) -> str:
    return string.lower()


@builtin("substring before", "string: string", "match: string")
def substring_before(string: str, match: str) -> str:
    index = string.find(match)
    return "" if index < 0 else string[:index]


@builtin("substring after", "string: string", "match: string")
def substring_after(string: str, match: str) -> str:
    index = string.find(match)
    return "" if index < 0 else string[index + len(match) :]


@builtin("contains", "string: string", "match: string")
def contains(string: str, match: str) -> bool:
    return match in string


@builtin("starts with", "string: string", "match: string")
def starts_with(string: str, match: str) -> bool:
    return string.startswith(match)


@builtin("ends with", "string: string", "match: string")
def ends_with(string: str, match: str) -> bool:
    return string.endswith(match)


@builtin("trim", "string: string")
def trim(string: str) -> str:
    return string.strip()


@builtin("is blank", "string: string")
def is_blank(string: str) -> bool:
    return not string.strip()


def compile_pattern(pattern: str, flags: str | None) -> regex.Pattern[str]:
    """An XPath pattern with XPath flags (``i s m x``, ``q`` for a literal); raises
    ``ValueError`` (null in FEEL) for an unknown flag and ``regex.error`` for a bad pattern."""
    value = 0
    for flag in flags or "":
        if flag == "q":
            pattern = regex.escape(pattern)
        elif flag in _FLAGS:
            value |= _FLAGS[flag]
        else:
            raise ValueError(f"unknown regular expression flag {flag!r}")
    return regex.compile(pattern, value)


@builtin("matches", "input: string", "pattern: string", "flags?: string|null")
def matches(input_: str, pattern: str, flags: str | None = None) -> bool:
    compiled = compile_pattern(pattern, flags)
    return _bounded("matches", lambda t: compiled.search(input_, timeout=t)) is not None


@builtin(
    "replace", "input: string", "pattern: string", "replacement: string", "flags?: string|null"
)
def replace(input_: str, pattern: str, replacement: str, flags: str | None = None) -> str:
    compiled = compile_pattern(pattern, flags)
    if compiled.fullmatch(""):  # XPath forbids a pattern that matches nothing at all
        raise ValueError("pattern matches the empty string")
    template = _replacement(replacement)
    if any(isinstance(part, int) and part > compiled.groups for part in template):
        raise ValueError("replacement refers to a group the pattern does not have")
    return _bounded(
        "replace",
        lambda t: compiled.sub(lambda m: "".join(_expand(template, m)), input_, timeout=t),
    )


def _expand(template: list[str | int], match: regex.Match[str]) -> list[str]:
    return [part if isinstance(part, str) else match[part] or "" for part in template]


def _replacement(text: str) -> list[str | int]:
    """Split an XPath replacement into literal text and group numbers."""
    parts: list[str | int] = []
    for token in regex.finditer(r"\\([\\$])|\$(\d)|([\\$])|([^\\$]+)", text):
        escaped, group, stray, literal = token.groups()
        if stray:
            raise ValueError("a lone '\\' or '$' in a replacement")
        parts.append(int(group) if group else escaped or literal)
    return parts


@builtin("split", "string: string", "delimiter: string")
def split(string: str, delimiter: str) -> list[str]:
    compiled = regex.compile(delimiter)
    if compiled.fullmatch(""):
        raise ValueError("delimiter matches the empty string")
    parts = _bounded("split", lambda t: compiled.split(string, timeout=t))
    return [part for part in parts if part is not None]


@builtin("extract", "string: string", "pattern: string")
def extract(string: str, pattern: str) -> list[str]:
    compiled = regex.compile(pattern)
    return _bounded("extract", lambda t: [m[0] for m in compiled.finditer(string, timeout=t)])


@builtin(
    "string join", "list: list", "delimiter?: string|null", "prefix?: string", "suffix?: string"
)
def string_join(
    list_: list[object], delimiter: str | None = None, prefix: str = "", suffix: str = ""
) -> str | None:
    texts = [item for item in list_ if item is not None]
    if not all(isinstance(t, str) for t in texts):
        return None
    return prefix + (delimiter or "").join(str(t) for t in texts) + suffix
