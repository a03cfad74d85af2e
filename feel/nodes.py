"""The syntax tree of a FEEL expression: plain frozen data, built by the parser.

Kept apart from evaluation so the compiler can look at the shape of a sub-expression before
deciding how to run it (a literal index, the argument of ``is defined``) and so the parser can
be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Path:
    target: Node
    key: str


@dataclass(frozen=True, slots=True)
class Filter:
    target: Node
    condition: Node


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``+ - * / **``; ``op`` is the operator's text."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison:
    """``= != < <= > >=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical:
    """``and`` / ``or``, kept apart from arithmetic because they short-circuit."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between:
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class UnaryTest:
    """One test on the right of ``in``: ``op`` is a comparison, or None for a plain value
    (equal to it, contained in it when a list, inside it when a range)."""

    op: str | None
    operand: Node


@dataclass(frozen=True, slots=True)
class In:
    value: Node
    tests: tuple[UnaryTest, ...]


@dataclass(frozen=True, slots=True)
class InstanceOf:
    value: Node
    type_name: str


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Iteration:
    """``name in source`` or ``name in source..end`` (an integer range)."""

    name: str
    source: Node
    end: Node | None


@dataclass(frozen=True, slots=True)
class For:
    iterations: tuple[Iteration, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Quantified:
    """``some``/``every`` ... ``satisfies``; ``kind`` is the keyword."""

    kind: str
    iterations: tuple[Iteration, ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class FunctionDefinition:
    params: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Invocation:
    """A call by position (``named`` is None) or by parameter name."""

    name: str
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...] | None


@dataclass(frozen=True, slots=True)
class ListLiteral:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ContextLiteral:
    entries: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class RangeLiteral:
    start: Node
    end: Node
    start_included: bool
    end_included: bool


Node: TypeAlias = (
    Literal
    | Name
    | Path
    | Filter
    | Negate
    | Arithmetic
    | Comparison
    | Logical
    | Between
    | In
    | InstanceOf
    | If
    | For
    | Quantified
    | FunctionDefinition
    | Invocation
    | ListLiteral
    | ContextLiteral
    | RangeLiteral
)
