"""Variable scopes: the chain of contexts a name is looked up in, innermost first.

The input context is the outermost link; context literals, iterations, filters and function
calls each add one. A miss is ``MISSING``, not None, because a key holding null is *defined*
(``is defined(x)`` tells the two apart) while FEEL turns both into null when read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final, TypeAlias


class _Missing(Enum):
    MISSING = "MISSING"


MISSING: Final = _Missing.MISSING


class Scope:
    """One link of the chain: a mapping of names plus the scope around it."""

    __slots__ = ("parent", "variables")

    def __init__(self, variables: Mapping[str, Any], parent: Scope | None = None) -> None:
        self.variables = variables
        self.parent = parent

    def lookup(self, name: str) -> Any:
        """The value bound to ``name`` in the nearest scope, or ``MISSING``."""
        scope: Scope | None = self
        while scope is not None:
            value = scope.variables.get(name, MISSING)
            if value is not MISSING:
                return value
            scope = scope.parent
        return MISSING

    def child(self, variables: Mapping[str, Any]) -> Scope:
        return Scope(variables, self)


Evaluator: TypeAlias = Callable[[Scope], Any]
"""A compiled (sub-)expression: evaluate it in a scope."""
