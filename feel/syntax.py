"""From Lark's parse to our syntax tree: one method per aliased grammar rule.

Runs inside the LALR parser (``Lark(transformer=...)``), so no intermediate tree is built.
String escapes are read here; a constant negative number is folded, which lets ``x[-1]`` be
recognised as an index when compiled.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from lark import Token, Transformer, v_args

from feel import nodes
from feel.temporal import parse_temporal

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'"}
_SIMPLE_ESCAPES["\\"] = "\\"


def unescape(literal: str) -> str:
    """The text of a string literal (quotes included). Unknown escapes such as ``\\d`` stay
    as written, because they are how regular expressions get into ``matches()``."""

    def one(match: re.Match[str]) -> str:
        escape = match[1]
        if escape[0] in "uU" and len(escape) > 1:
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, match[0])

    text = _ESCAPE.sub(one, literal[1:-1])
    if any("\ud800" <= c <= "\udfff" for c in text):  # a \uD83D\uDE00 surrogate pair
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _words(text: str) -> str:
    return " ".join(text.split())


def _iterations(children: tuple[Any, ...]) -> tuple[tuple[nodes.Iteration, ...], nodes.Node]:
    *iterations, body = children
    return tuple(iterations), body


@v_args(inline=True)
class ToNodes(Transformer[Token, nodes.Node]):
    """Builds ``nodes`` from the grammar's rules (``grammar.lark`` names them)."""

    def for_expr(self, *children: Any) -> nodes.For:
        return nodes.For(*_iterations(children))

    def some(self, *children: Any) -> nodes.Quantified:
        return nodes.Quantified("some", *_iterations(children))

    def every(self, *children: Any) -> nodes.Quantified:
        return nodes.Quantified("every", *_iterations(children))

    def iteration(self, name: Token, source: nodes.Node, end: nodes.Node | None) -> nodes.Iteration:
        return nodes.Iteration(str(name), source, end)

    def if_expr(self, condition: nodes.Node, then: nodes.Node, otherwise: nodes.Node) -> nodes.If:
        return nodes.If(condition, then, otherwise)

    def function_def(self, *children: Any) -> nodes.FunctionDefinition:
        *params, body = children
        return nodes.FunctionDefinition(tuple(str(p) for p in params if p is not None), body)

    def or_(self, left: nodes.Node, right: nodes.Node) -> nodes.Logical:
        return nodes.Logical("or", left, right)

    def and_(self, left: nodes.Node, right: nodes.Node) -> nodes.Logical:
        return nodes.Logical("and", left, right)

    def compare(self, left: nodes.Node, op: Token, right: nodes.Node) -> nodes.Comparison:
        return nodes.Comparison(str(op), left, right)

    def between(self, value: nodes.Node, low: nodes.Node, high: nodes.Node) -> nodes.Between:
        return nodes.Between(value, low, high)

    def in_(self, value: nodes.Node, tests: tuple[nodes.UnaryTest, ...]) -> nodes.In:
        return nodes.In(value, tests)

    def in_tests(self, *tests: Any) -> tuple[nodes.UnaryTest, ...]:
        return tuple(
            t if isinstance(t, nodes.UnaryTest) else nodes.UnaryTest(None, t) for t in tests
        )

    def op_test(self, op: Token, operand: nodes.Node) -> nodes.UnaryTest:
        return nodes.UnaryTest(str(op), operand)

    def instance_of(self, value: nodes.Node, type_name: str) -> nodes.InstanceOf:
        return nodes.InstanceOf(value, type_name)

    def type_name(self, name: Token) -> str:
        return _words(name)

    def add(self, left: nodes.Node, right: nodes.Node) -> nodes.Arithmetic:
        return nodes.Arithmetic("+", left, right)

    def sub(self, left: nodes.Node, right: nodes.Node) -> nodes.Arithmetic:
        return nodes.Arithmetic("-", left, right)

    def mul(self, left: nodes.Node, right: nodes.Node) -> nodes.Arithmetic:
        return nodes.Arithmetic("*", left, right)

    def div(self, left: nodes.Node, right: nodes.Node) -> nodes.Arithmetic:
        return nodes.Arithmetic("/", left, right)

    def pow(self, left: nodes.Node, right: nodes.Node) -> nodes.Arithmetic:
        return nodes.Arithmetic("**", left, right)

    def neg(self, operand: nodes.Node) -> nodes.Node:
        if isinstance(operand, nodes.Literal) and isinstance(operand.value, Decimal):
            return nodes.Literal(-operand.value)
        return nodes.Negate(operand)

    def path(self, target: nodes.Node, key: str) -> nodes.Path:
        return nodes.Path(target, key)

    def filter(self, target: nodes.Node, condition: nodes.Node) -> nodes.Filter:
        return nodes.Filter(target, condition)

    def number(self, token: Token) -> nodes.Literal:
        return nodes.Literal(Decimal(token))

    def string(self, token: Token) -> nodes.Literal:
        return nodes.Literal(unescape(token))

    def true(self) -> nodes.Literal:
        return nodes.Literal(True)

    def false(self) -> nodes.Literal:
        return nodes.Literal(False)

    def null(self) -> nodes.Literal:
        return nodes.Literal(None)

    def temporal(self, token: Token) -> nodes.Literal:
        return nodes.Literal(parse_temporal(unescape(token)))

    def name(self, token: Token) -> nodes.Name:
        return nodes.Name(str(token))

    def invocation(self, name: Token, arguments: Any) -> nodes.Invocation:
        if arguments is None:
            return nodes.Invocation(_words(name), (), None)
        kind, values = arguments
        if kind == "named":
            return nodes.Invocation(_words(name), (), values)
        return nodes.Invocation(_words(name), values, None)

    def positional(self, *args: nodes.Node) -> tuple[str, tuple[nodes.Node, ...]]:
        return "positional", args

    def named(
        self, *args: tuple[str, nodes.Node]
    ) -> tuple[str, tuple[tuple[str, nodes.Node], ...]]:
        return "named", args

    def named_argument(self, key: Token, value: nodes.Node) -> tuple[str, nodes.Node]:
        return _words(key), value

    def path_key(self, token: Token) -> str:
        return str(token)

    def list(self, *items: nodes.Node | None) -> nodes.ListLiteral:
        return nodes.ListLiteral(tuple(i for i in items if i is not None))

    def context(self, *entries: tuple[str, nodes.Node] | None) -> nodes.ContextLiteral:
        return nodes.ContextLiteral(tuple(e for e in entries if e is not None))

    def entry(self, key: Token, value: nodes.Node) -> tuple[str, nodes.Node]:
        text = unescape(key) if key.type == "STRING" else _words(key)
        return text, value

    def range_oo(self, start: nodes.Node, end: nodes.Node) -> nodes.RangeLiteral:
        return nodes.RangeLiteral(start, end, False, False)

    def range_oc(self, start: nodes.Node, end: nodes.Node) -> nodes.RangeLiteral:
        return nodes.RangeLiteral(start, end, False, True)

    def range_co(self, start: nodes.Node, end: nodes.Node) -> nodes.RangeLiteral:
        return nodes.RangeLiteral(start, end, True, False)

    def range_cc(self, start: nodes.Node, end: nodes.Node) -> nodes.RangeLiteral:
        return nodes.RangeLiteral(start, end, True, True)
