"""The table of built-in functions, and binding a call's arguments to one of them.

Each built-in declares its FEEL signature as text (``"string: string", "length?: number"``),
so the parameter names of calls by name (``substring(string: "abc", start position: 2)``) and
the type checks live next to the code. FEEL answers an argument of the wrong type with null,
so the check happens here once instead of in every function. Binding happens when the
expression is compiled; a call that cannot bind raises ``FeelEvaluationError`` when (and
only if) it is evaluated, as FEEL leaves untaken branches alone.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import regex

from feel.errors import FeelEvaluationError
from feel.temporal import YearMonthDuration
from feel.values import FeelFunction, Range

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (Decimal,),
    "boolean": (bool,),
    "list": (list,),
    "context": (dict,),
    "date": (date,),
    "date and time": (datetime,),
    "time": (time,),
    "duration": (timedelta, YearMonthDuration),
    "days and time duration": (timedelta,),
    "function": (FeelFunction,),
    "range": (Range,),
}

# What a built-in may raise on odd input (a bad regex, an impossible date) means null in FEEL.
_NULL_ON = (ValueError, ArithmeticError, regex.error)


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter: ``name[?]: type[|type...]``, ``*name: type`` for the rest."""

    name: str
    types: tuple[type, ...] | None  # None: any value
    nullable: bool
    optional: bool
    variadic: bool

    @classmethod
    def parse(cls, spec: str) -> Param:
        name, _, type_text = (part.strip() for part in spec.partition(":"))
        variadic, optional = name.startswith("*"), name.endswith("?")
        names = [t.strip() for t in type_text.split("|")]
        types = (
            None if "any" in names else tuple(t for n in names if n != "null" for t in _TYPES[n])
        )
        return cls(name.strip("*?"), types, types is None or "null" in names, optional, variadic)

    @property
    def keyword(self) -> str:
        """The Python parameter name: ``start position`` -> ``start_position``, and a trailing
        ``_`` where the FEEL name is a Python keyword or built-in (``from_``, ``list_``)."""
        name = self.name.replace(" ", "_")
        return name + "_" if keyword.iskeyword(name) or hasattr(builtins, name) else name

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        return self.types is None or isinstance(value, self.types)


@dataclass(frozen=True, slots=True)
class Signature:
    params: tuple[Param, ...]
    impl: Callable[..., Any]

    def takes(self, count: int) -> bool:
        required = sum(1 for p in self.params if not p.optional and not p.variadic)
        variadic = any(p.variadic for p in self.params)
        return required <= count and (variadic or count <= len(self.params))

    def param_for(self, index: int) -> Param:
        return self.params[min(index, len(self.params) - 1)]


BUILTINS: dict[str, list[Signature]] = {}


def builtin(name: str, *params: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as (one signature of) the FEEL built-in ``name``."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        signature = Signature(tuple(Param.parse(p) for p in params), impl)
        BUILTINS.setdefault(name, []).append(signature)
        return impl

    return register


@dataclass(frozen=True, slots=True)
class Binding:
    """A call resolved to one signature: arguments arrive in the order of ``params``."""

    params: tuple[Param, ...]
    impl: Callable[..., Any]
    keywords: tuple[str, ...] | None  # pass as keywords (a call by name with gaps)

    def call(self, values: Sequence[Any]) -> Any:
        for param, value in zip(self.params, values, strict=True):
            if not param.accepts(value):
                return None
        try:
            if self.keywords is None:
                return self.impl(*values)
            return self.impl(**dict(zip(self.keywords, values, strict=True)))
        except _NULL_ON:
            return None


def _signatures(name: str) -> list[Signature]:
    signatures = BUILTINS.get(name)
    if signatures is None:
        raise FeelEvaluationError("no such function", function=name)
    return signatures


def bind_positional(name: str, count: int) -> Binding:
    """Bind ``count`` positional arguments, or raise for a wrong arity."""
    for signature in _signatures(name):
        if signature.takes(count):
            params = tuple(signature.param_for(i) for i in range(count))
            return Binding(params, signature.impl, None)
    raise FeelEvaluationError(f"no signature takes {count} argument(s)", function=name)


def bind_named(name: str, names: Sequence[str]) -> tuple[Binding, list[int]]:
    """Bind arguments given by name; also returns, for each bound parameter, the index of the
    argument that supplies it (calls by name may list arguments in any order)."""
    if len(set(names)) != len(names):
        raise FeelEvaluationError("an argument is given twice", function=name)
    for signature in _signatures(name):
        bound = _bind_names(signature, names)
        if bound is not None:
            return bound
    reason = "no signature has parameters " + ", ".join(repr(n) for n in names)
    raise FeelEvaluationError(reason, function=name)


def _bind_names(signature: Signature, names: Sequence[str]) -> tuple[Binding, list[int]] | None:
    declared = {p.name: p for p in signature.params}
    if any(n not in declared for n in names):
        return None
    if any(p.name not in names for p in signature.params if not (p.optional or p.variadic)):
        return None
    params = [p for p in signature.params if p.name in names]
    order = [names.index(p.name) for p in params]
    prefix = [p.name for p in signature.params[: len(params)]] == [p.name for p in params]
    keywords = None if prefix else tuple(p.keyword for p in params)
    return Binding(tuple(params), signature.impl, keywords), order


def items_of(args: Sequence[Any]) -> list[Any] | None:
    """The elements of ``f(list)`` or ``f(e1, e2, ...)`` (min, max, sum and friends)."""
    if len(args) == 1:
        return args[0] if isinstance(args[0], list) else None if args[0] is None else [args[0]]
    return list(args)
