"""Function calls and function definitions.

A call to a built-in is bound when compiled (signature chosen, arguments put in parameter
order), so evaluating it costs a list and a type check per argument. A call that cannot bind
compiles to an evaluator that raises: FEEL leaves an untaken branch alone, so
``if ok then 1 else nosuch()`` still works. Other names are looked up at evaluation time and
must hold a ``function(...)`` value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feel import nodes
from feel.errors import FeelEvaluationError
from feel.functions import BUILTINS, Binding, bind_named, bind_positional
from feel.scope import MISSING, Evaluator, Scope
from feel.temporal_arithmetic import property_of
from feel.values import FeelFunction

Compile = Callable[[nodes.Node], Evaluator]


def compile_invocation(node: nodes.Invocation, compile_node: Compile) -> Evaluator:
    if node.name == "is defined" and len(node.args) == 1:
        return _is_defined(node.args[0], compile_node)
    if node.name in BUILTINS:
        return _builtin_call(node, compile_node)
    return _dynamic_call(node, compile_node)


def _raising(error: FeelEvaluationError) -> Evaluator:
    def evaluate(scope: Scope) -> Any:
        # A fresh exception per evaluation: re-raising one instance would grow its traceback.
        raise FeelEvaluationError(error.reason, function=error.function)

    return evaluate


def _builtin_call(node: nodes.Invocation, compile_node: Compile) -> Evaluator:
    binding: Binding
    try:
        if node.named is None:
            binding = bind_positional(node.name, len(node.args))
            arguments = [compile_node(a) for a in node.args]
        else:
            binding, order = bind_named(node.name, [name for name, _ in node.named])
            arguments = [compile_node(node.named[i][1]) for i in order]
    except FeelEvaluationError as error:
        return _raising(error)
    call = binding.call
    return lambda scope: call([argument(scope) for argument in arguments])


def _dynamic_call(node: nodes.Invocation, compile_node: Compile) -> Evaluator:
    name = node.name
    positional = [compile_node(a) for a in node.args]
    named = [(key, compile_node(value)) for key, value in node.named or ()]

    def evaluate(scope: Scope) -> Any:
        function = scope.lookup(name)
        if not isinstance(function, FeelFunction):
            raise FeelEvaluationError("no such function", function=name)
        if node.named is None:
            args = [argument(scope) for argument in positional]
        else:
            args = _by_name(function, name, {key: value(scope) for key, value in named})
        if len(args) > len(function.params):
            raise FeelEvaluationError(f"takes {len(function.params)} argument(s)", function=name)
        return function.invoke(args)

    return evaluate


def _by_name(function: FeelFunction, name: str, values: dict[str, Any]) -> list[Any]:
    unknown = set(values) - set(function.params)
    if unknown:
        raise FeelEvaluationError(f"no parameter {sorted(unknown)[0]!r}", function=name)
    return [values.get(param) for param in function.params]


def compile_definition(node: nodes.FunctionDefinition, compile_node: Compile) -> Evaluator:
    """``function(a, b) a + b``: a closure over the scope it is defined in; missing
    arguments are null."""
    body = compile_node(node.body)
    params = node.params

    def evaluate(scope: Scope) -> FeelFunction:
        def invoke(args: Sequence[Any]) -> Any:
            bound = dict(zip(params, args, strict=False))
            bound.update((p, None) for p in params[len(args) :])
            return body(scope.child(bound))

        return FeelFunction(params, invoke)

    return evaluate


def _is_defined(argument: nodes.Node, compile_node: Compile) -> Evaluator:
    """``is defined(x.y)``: true when the name or key exists, even holding null. Any other
    argument is a value, and every value is defined."""
    if not isinstance(argument, (nodes.Name, nodes.Path)):
        value = compile_node(argument)
        return lambda scope: value(scope) is not MISSING
    resolve = _resolver(argument, compile_node)
    return lambda scope: resolve(scope) is not MISSING


def _resolver(node: nodes.Node, compile_node: Compile) -> Callable[[Scope], Any]:
    """Like evaluating a name or path, but a missing name or key gives ``MISSING``."""
    if isinstance(node, nodes.Name):
        name = node.name
        return lambda scope: scope.lookup(name)
    if not isinstance(node, nodes.Path):
        return compile_node(node)
    target, key = _resolver(node.target, compile_node), node.key

    def resolve(scope: Scope) -> Any:
        value = target(scope)
        if type(value) is dict:
            return value.get(key, MISSING)
        if type(value) is list:
            return value
        found = property_of(value, key)
        return MISSING if found is None else found

    return resolve
