"""The forms that walk a list: filters ``xs[...]``, ``for``, ``some`` and ``every``.

Kept out of ``compiler`` because they share the rules for what can be walked and how each
element is put in scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from feel import nodes
from feel.errors import FeelEvaluationError
from feel.scope import Evaluator, Scope

MAX_ITERATIONS = 1_000_000
"""Bindings one for/some/every (or ``a..b`` range) may go through: a typo like ``1..1e9``, or
three nested thousand-element iterations, must fail rather than hang a worker."""

Compile = Callable[[nodes.Node], Evaluator]
Bound = tuple[str, Evaluator, Evaluator | None]

# Conditions that always give a boolean: no need to check whether they are an index instead.
_PREDICATES = (nodes.Comparison, nodes.Logical, nodes.Between, nodes.In, nodes.InstanceOf)


class _NotAList(Exception):
    """An iteration domain that is not a list: the whole for/some/every is null."""


def compile_filter(node: nodes.Filter, compile_node: Compile) -> Evaluator:
    """``xs[2]``, ``xs[-1]`` index (1-based); ``xs[score > 0.5]`` keeps matching elements.
    A condition that is neither obviously is evaluated once outside the list: a number means
    an index, anything else a per-element predicate."""
    target = compile_node(node.target)
    condition = compile_node(node.condition)
    literal = node.condition.value if isinstance(node.condition, nodes.Literal) else None
    predicate_only = isinstance(node.condition, _PREDICATES)

    def evaluate(scope: Scope) -> Any:
        value = target(scope)
        if value is None:
            return None
        items = value if type(value) is list else [value]
        if predicate_only:
            return _select(items, condition, scope)
        probe = literal if literal is not None else condition(scope)
        if type(probe) is Decimal:
            return _at(items, probe)
        return _select(items, condition, scope)

    return evaluate


def _at(items: Sequence[Any], position: Decimal) -> Any:
    if position != position.to_integral_value():
        return None
    index = int(position)
    if 0 < index <= len(items):
        return items[index - 1]
    if 0 < -index <= len(items):
        return items[index]
    return None


def element_scope(item: Any, scope: Scope) -> Scope:
    """An element's own keys first, then ``item`` for the element itself."""
    named = scope.child({"item": item})
    return named.child(item) if type(item) is dict else named


def _select(items: Sequence[Any], condition: Evaluator, scope: Scope) -> list[Any]:
    return [item for item in items if condition(element_scope(item, scope)) is True]


def _bind(node: nodes.Iteration, compile_node: Compile) -> Bound:
    end = None if node.end is None else compile_node(node.end)
    return node.name, compile_node(node.source), end


def _domain(source: Evaluator, end: Evaluator | None, scope: Scope) -> Sequence[Any]:
    start = source(scope)
    if end is None:
        if type(start) is not list:
            raise _NotAList
        return start
    stop = end(scope)
    if not (_is_integer(start) and _is_integer(stop)):
        raise _NotAList
    first, last = int(start), int(stop)
    if abs(last - first) >= MAX_ITERATIONS:
        raise FeelEvaluationError(f"range {first}..{last} has more than {MAX_ITERATIONS} elements")
    step = 1 if last >= first else -1
    return [Decimal(i) for i in range(first, last + step, step)]


def _is_integer(value: Any) -> bool:
    return type(value) is Decimal and value == value.to_integral_value()


def _bindings(iterations: Sequence[Bound], scope: Scope) -> Iterator[Scope]:
    """Every combination of the iteration variables, the first varying slowest; later
    domains may depend on earlier variables (``for x in xs, y in x.children``)."""
    for count, inner in enumerate(_combinations(iterations, scope), 1):
        if count > MAX_ITERATIONS:
            raise FeelEvaluationError(f"an iteration goes past {MAX_ITERATIONS} elements")
        yield inner


def _combinations(iterations: Sequence[Bound], scope: Scope) -> Iterator[Scope]:
    (name, source, end), rest = iterations[0], iterations[1:]
    for value in _domain(source, end, scope):
        inner = scope.child({name: value})
        if rest:
            yield from _combinations(rest, inner)
        else:
            yield inner


def compile_for(node: nodes.For, compile_node: Compile) -> Evaluator:
    """``for x in xs, y in 1..3 return ...``; ``partial`` holds the results so far."""
    iterations = [_bind(i, compile_node) for i in node.iterations]
    body = compile_node(node.body)

    def evaluate(scope: Scope) -> Any:
        results: list[Any] = []
        try:
            for inner in _bindings(iterations, scope.child({"partial": results})):
                results.append(body(inner))
        except _NotAList:
            return None
        return results

    return evaluate


def compile_quantified(node: nodes.Quantified, compile_node: Compile) -> Evaluator:
    """``some``: any element satisfies; ``every``: all do (true for an empty list)."""
    iterations = [_bind(i, compile_node) for i in node.iterations]
    condition = compile_node(node.condition)
    wanted = node.kind == "some"

    def evaluate(scope: Scope) -> Any:
        try:
            for inner in _bindings(iterations, scope):
                if (condition(inner) is True) is wanted:
                    return wanted
        except _NotAList:
            return None
        return not wanted

    return evaluate
