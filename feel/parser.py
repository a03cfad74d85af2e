"""Text to syntax tree: the Lark LALR parser and the translation of its errors.

The parser is built once per process, on first use (building the LALR tables costs tens of
milliseconds). Its errors become ``FeelSyntaxError`` with a 1-based line and column and a
short list of what would have been accepted there.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import cast

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from feel import nodes
from feel.errors import FeelSyntaxError
from feel.functions import MULTI_WORD_NAMES
from feel.syntax import ToNodes

_FRIENDLY = {
    "NAME": "a name",
    "KEY": "a key",
    "NUMBER": "a number",
    "STRING": "a string",
    "MW_NAME": "a function name",
    "COMP_OP": "a comparison",
    "TYPE_NAME": "a type name",
    "$END": "end of input",
}
# Tokens that could extend a complete operand. When something else (a ")" or "then") was
# also possible, naming every operator buries the useful hint, so they are left out.
_CONTINUATIONS = frozenset(
    {"'+'", "'-'", "'*'", "'/'", "'**'", "'.'", "'['", "'('", "'..'", "'and'", "'or'"}
    | {"'between'", "'in'", "'instance'", "a comparison"}
)
# Tokens that can begin an expression: where all are possible, "an expression" says it.
_EXPRESSION_STARTS = frozenset(
    {"'@'", "'every'", "'false'", "'for'", "'function'", "'if'", "'null'", "'some'", "'true'"}
    | {"'{'", "'['", "'('", "'-'", "a function name", "a name", "a number", "a string"}
)
_MAX_EXPECTED = 8


def _grammar() -> str:
    text = resources.files("feel").joinpath("grammar.lark").read_text(encoding="utf-8")
    names = "|".join(r"\s+".join(map(re.escape, n.split())) for n in MULTI_WORD_NAMES)
    return text + f"\nMW_NAME.2: /(?:{names})(?=\\s*\\()/\n"


@functools.cache
def _lark() -> Lark:
    return Lark(_grammar(), parser="lalr", lexer="contextual", transformer=ToNodes())


def parse(text: str) -> nodes.Node:
    """Parse one FEEL expression; a leading ``=`` (as the Camunda Modeler writes) is allowed."""
    stripped = text.lstrip()
    if stripped.startswith("="):
        # Blank the "=" instead of cutting it, so error columns match the text as given.
        offset = len(text) - len(stripped)
        text = text[:offset] + " " + text[offset + 1 :]
    parser = _lark()
    try:
        tree = cast(nodes.Node, parser.parse(text))  # ToNodes turns the tree into nodes
    except UnexpectedInput as exc:
        raise _syntax_error(parser, text, exc) from None
    return tree


def _syntax_error(parser: Lark, text: str, exc: UnexpectedInput) -> FeelSyntaxError:
    names: set[str] = set()
    if isinstance(exc, UnexpectedToken):
        names = set(exc.accepts or exc.expected)
        if exc.token.type == "$END":
            line, column = _end_of(text)
            return FeelSyntaxError(line, column, _describe(parser, names), "end of input")
        got = repr(str(exc.token))
    elif isinstance(exc, UnexpectedCharacters):
        # What the lexer state allowed is a merge over several parser states, too vague to
        # list; the character itself is the useful part.
        got = f"character {exc.char!r}"
        if exc.char == '"':
            got += " (a string that is never closed)"
    else:  # pragma: no cover - LALR raises only the two above
        got = "unexpected input"
    return FeelSyntaxError(exc.line, exc.column, _describe(parser, names), got)


def _end_of(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _describe(parser: Lark, names: set[str]) -> list[str]:
    patterns = {t.name: t.pattern for t in parser.terminals}
    shown = set()
    for name in names:
        pattern = patterns.get(name)
        if isinstance(pattern, PatternStr):
            shown.add(repr(pattern.value))
        else:
            shown.add(_FRIENDLY.get(name, name.lower()))
    if {"a name", "a number", "a string"} <= shown:
        shown = (shown - _EXPRESSION_STARTS) | {"an expression"}
    if "a name" in shown and "'then'" in shown:  # after ".", where keywords are keys too
        shown = {s for s in shown if not (s[0] == "'" and s[1:-1].isalpha())}
    useful = shown - _CONTINUATIONS
    ordered = sorted(useful or shown)
    return ordered[:_MAX_EXPECTED] + (["..."] if len(ordered) > _MAX_EXPECTED else [])
