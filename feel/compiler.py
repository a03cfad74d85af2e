"""Syntax tree to Python closures: each node becomes a function of the scope.

Compiling once to closures (instead of walking the tree on every evaluation) is what makes a
cached expression cheap to run: no dispatch on node types, operators already looked up.
"""

from __future__ import annotations

from typing import Any

from feel import calls, iteration, nodes, operators
from feel.scope import MISSING, Evaluator, Scope
from feel.temporal_arithmetic import property_of
from feel.values import Range, kind


def compile_node(node: nodes.Node) -> Evaluator:
    """The evaluator of one node (and, recursively, of everything under it)."""
    match node:
        case nodes.Literal(value):
            return lambda scope: value
        case nodes.Name(name):
            return _name(name)
        case nodes.Path():
            return _path(node)
        case nodes.Filter():
            return iteration.compile_filter(node, compile_node)
        case nodes.Negate(operand):
            negated = compile_node(operand)
            return lambda scope: operators.negate(negated(scope))
        case nodes.Arithmetic(op, left, right):
            return _binary(operators.ARITHMETIC[op], left, right)
        case nodes.Comparison(op, left, right):
            return _binary(operators.COMPARISONS[op], left, right)
        case nodes.Logical():
            return _logical(node)
        case nodes.If():
            return _if(node)
        case nodes.For():
            return iteration.compile_for(node, compile_node)
        case nodes.Quantified():
            return iteration.compile_quantified(node, compile_node)
        case nodes.Invocation():
            return calls.compile_invocation(node, compile_node)
        case nodes.FunctionDefinition():
            return calls.compile_definition(node, compile_node)
    return _compile_test_or_literal(node)


def _compile_test_or_literal(node: nodes.Node) -> Evaluator:
    match node:
        case nodes.Between():
            return _between(node)
        case nodes.In():
            return _in(node)
        case nodes.InstanceOf():
            return _instance_of(node)
        case nodes.ListLiteral(items):
            compiled = [compile_node(i) for i in items]
            return lambda scope: [item(scope) for item in compiled]
        case nodes.ContextLiteral():
            return _context(node)
        case nodes.RangeLiteral():
            return _range(node)
    raise AssertionError(f"no compiler for {type(node).__name__}")  # pragma: no cover


def _name(name: str) -> Evaluator:
    def evaluate(scope: Scope) -> Any:
        value = scope.lookup(name)
        return None if value is MISSING else value

    return evaluate


def get_path(value: Any, key: str) -> Any:
    """``value.key``: a context's entry, mapped over a list, a temporal property, else null."""
    if type(value) is dict:
        return value.get(key)
    if type(value) is list:
        return [get_path(item, key) for item in value]
    return None if value is None else property_of(value, key)


def _path(node: nodes.Path) -> Evaluator:
    target, key = compile_node(node.target), node.key
    return lambda scope: get_path(target(scope), key)


def _binary(operator: Any, left_node: nodes.Node, right_node: nodes.Node) -> Evaluator:
    left, right = compile_node(left_node), compile_node(right_node)
    return lambda scope: operator(left(scope), right(scope))


def _logical(node: nodes.Logical) -> Evaluator:
    """Short-circuits only where the answer is already certain (false and ..., true or ...)."""
    left, right = compile_node(node.left), compile_node(node.right)
    decisive = node.op == "or"  # the left value that settles the result
    combine = operators.disjunction if decisive else operators.conjunction

    def evaluate(scope: Scope) -> Any:
        first = left(scope)
        if first is decisive:
            return decisive
        return combine(first, right(scope))

    return evaluate


def _if(node: nodes.If) -> Evaluator:
    condition = compile_node(node.condition)
    then, otherwise = compile_node(node.then), compile_node(node.otherwise)
    return lambda scope: then(scope) if condition(scope) is True else otherwise(scope)


def _between(node: nodes.Between) -> Evaluator:
    value, low, high = (compile_node(n) for n in (node.value, node.low, node.high))

    def evaluate(scope: Scope) -> Any:
        x = value(scope)
        above = operators.greater_or_equal(x, low(scope))
        return operators.conjunction(above, operators.less_or_equal(x, high(scope)))

    return evaluate


def in_range(value: Any, interval: Range) -> bool | None:
    """Whether ``value`` lies in the range; a null end is unbounded."""
    above: bool | None = True
    if interval.start is not None:
        low = operators.greater_or_equal if interval.start_included else operators.greater
        above = low(value, interval.start)
    below: bool | None = True
    if interval.end is not None:
        high = operators.less_or_equal if interval.end_included else operators.less
        below = high(value, interval.end)
    return operators.conjunction(above, below)


def matches_value(value: Any, test: Any) -> bool | None:
    """A plain value on the right of ``in``: membership of a list or range, else equality."""
    if type(test) is list:
        return any(operators.equal(value, item) is True for item in test)
    if type(test) is Range:
        return in_range(value, test)
    return operators.equal(value, test)


def _in(node: nodes.In) -> Evaluator:
    value = compile_node(node.value)
    tests = [
        (operators.COMPARISONS[t.op] if t.op else matches_value, compile_node(t.operand))
        for t in node.tests
    ]

    def evaluate(scope: Scope) -> Any:
        x = value(scope)
        result: bool | None = False
        for check, operand in tests:
            result = operators.disjunction(result, check(x, operand(scope)))
            if result is True:
                break
        return result

    return evaluate


def _instance_of(node: nodes.InstanceOf) -> Evaluator:
    value, wanted = compile_node(node.value), node.type_name
    if wanted == "Any":
        return lambda scope: value(scope) is not None
    if wanted == "Null":
        return lambda scope: value(scope) is None
    return lambda scope: kind(value(scope)) == wanted


def _context(node: nodes.ContextLiteral) -> Evaluator:
    """Entries are evaluated in order, each seeing the ones before it."""
    entries = [(key, compile_node(value)) for key, value in node.entries]

    def evaluate(scope: Scope) -> dict[str, Any]:
        result: dict[str, Any] = {}
        inner = scope.child(result)
        for key, value in entries:
            result[key] = value(inner)
        return result

    return evaluate


def _range(node: nodes.RangeLiteral) -> Evaluator:
    start, end = compile_node(node.start), compile_node(node.end)
    included = node.start_included, node.end_included
    return lambda scope: Range(start(scope), end(scope), *included)
