"""List built-ins. Positions are 1-based, negative ones count from the end; membership and
de-duplication use FEEL equality (so ``1`` and ``1.0`` are one value, ``1`` and ``true`` two)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal
from typing import Any

from feel import operators
from feel.functions.registry import builtin, items_of
from feel.values import FeelFunction, kind


def _position(position: Decimal, size: int, *, past_end: bool = False) -> int | None:
    """A 0-based index for a FEEL position, or None when it is outside the list."""
    index = int(position)
    if index > 0 and index <= size + past_end:
        return index - 1
    if index < 0 and -index <= size:
        return size + index
    return None


def _contains(items: Iterable[Any], element: Any) -> bool:
    return any(operators.equal(item, element) is True for item in items)


@builtin("list contains", "list: list", "element: any")
def list_contains(list_: list[Any], element: Any) -> bool:
    return _contains(list_, element)


@builtin("count", "list: list")
def count(list_: list[Any]) -> Decimal:
    return Decimal(len(list_))


def _extreme(args: tuple[Any, ...], sign: int) -> Any:
    items = items_of(args)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = operators.compare(item, best)
        if order is None:
            return None
        if order == sign:
            best = item
    return best if operators.compare(best, best) is not None else None


@builtin("min", "*list: any")
def min_(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "*list: any")
def max_(*args: Any) -> Any:
    return _extreme(args, 1)


NUMBERS_ADD = operators.NUMBERS.add


def _numbers(args: tuple[Any, ...]) -> list[Decimal] | None:
    items = items_of(args)
    if not items or not all(type(item) is Decimal for item in items):
        return None
    return items


@builtin("sum", "*list: any")
def sum_(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    return None if numbers is None else functools.reduce(NUMBERS_ADD, numbers)


@builtin("product", "*list: any")
def product(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    return None if numbers is None else functools.reduce(operators.NUMBERS.multiply, numbers)


@builtin("mean", "*list: any")
def mean(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if numbers is None:
        return None
    return operators.NUMBERS.divide(functools.reduce(NUMBERS_ADD, numbers), Decimal(len(numbers)))


@builtin("median", "*list: any")
def median(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if numbers is None:
        return None
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return operators.NUMBERS.divide(NUMBERS_ADD(ordered[middle - 1], ordered[middle]), Decimal(2))


@builtin("stddev", "*list: any")
def stddev(*args: Any) -> Decimal | None:
    """The sample standard deviation (divides by n - 1), as DMN defines it."""
    numbers = _numbers(args)
    if numbers is None or len(numbers) < 2:
        return None
    ctx = operators.NUMBERS
    average = ctx.divide(functools.reduce(ctx.add, numbers), Decimal(len(numbers)))
    squares = functools.reduce(ctx.add, (ctx.power(ctx.subtract(n, average), 2) for n in numbers))
    return ctx.sqrt(ctx.divide(squares, Decimal(len(numbers) - 1)))


@builtin("mode", "*list: any")
def mode(*args: Any) -> list[Decimal] | None:
    items = items_of(args)
    if items == []:
        return []
    numbers = _numbers(args)
    if numbers is None:
        return None
    counts: dict[Decimal, int] = {}
    for n in numbers:
        counts[n] = counts.get(n, 0) + 1
    top = max(counts.values())
    return sorted(n for n, c in counts.items() if c == top)


def _combine(
    args: tuple[Any, ...], operator: Callable[[Any, Any], bool | None], *, start: bool
) -> bool | None:
    items = items_of(args)
    if items is None:
        return None
    result: bool | None = start
    for item in items:
        result = operator(result, item)
    return result


@builtin("all", "*list: any")
@builtin("and", "*list: any")
def all_(*args: Any) -> bool | None:
    return _combine(args, operators.conjunction, start=True)


@builtin("any", "*list: any")
@builtin("or", "*list: any")
def any_(*args: Any) -> bool | None:
    return _combine(args, operators.disjunction, start=False)


@builtin("sublist", "list: list", "start position: number", "length?: number")
def sublist(list_: list[Any], start_position: Decimal, length: Decimal | None = None) -> Any:
    first = _position(start_position, len(list_))
    if first is None:
        return None
    if length is None:
        return list_[first:]
    size = int(length)
    return list_[first : first + size] if 0 <= size <= len(list_) - first else None


@builtin("append", "list: list", "*items: any")
def append(list_: list[Any], *items: Any) -> list[Any]:
    return [*list_, *items]


@builtin("concatenate", "*lists: list")
def concatenate(*lists: list[Any]) -> list[Any]:
    return [item for lst in lists for item in lst]


@builtin("insert before", "list: list", "position: number", "newItem: any")
def insert_before(list_: list[Any], position: Decimal, newItem: Any) -> list[Any] | None:
    index = _position(position, len(list_))
    return None if index is None else [*list_[:index], newItem, *list_[index:]]


@builtin("remove", "list: list", "position: number")
def remove(list_: list[Any], position: Decimal) -> list[Any] | None:
    index = _position(position, len(list_))
    return None if index is None else list_[:index] + list_[index + 1 :]


@builtin("reverse", "list: list")
def reverse(list_: list[Any]) -> list[Any]:
    return list_[::-1]


@builtin("index of", "list: list", "match: any")
def index_of(list_: list[Any], match: Any) -> list[Decimal]:
    return [Decimal(i) for i, item in enumerate(list_, 1) if operators.equal(item, match) is True]


def _distinct(items: Iterable[Any]) -> list[Any]:
    """Keep first occurrences; hashing by (kind, value) keeps it linear for plain values."""
    seen: set[tuple[str, Hashable]] = set()
    kept: list[Any] = []
    for item in items:
        if isinstance(item, Hashable):
            key = (kind(item), item)
            if key not in seen:
                seen.add(key)
                kept.append(item)
        elif not _contains(kept, item):
            kept.append(item)
    return kept


@builtin("distinct values", "list: list")
def distinct_values(list_: list[Any]) -> list[Any]:
    return _distinct(list_)


@builtin("union", "*lists: list")
def union(*lists: list[Any]) -> list[Any]:
    return _distinct(item for lst in lists for item in lst)


@builtin("flatten", "list: list")
def flatten(list_: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in list_:
        flat.extend(flatten(item) if isinstance(item, list) else [item])
    return flat


@builtin("is empty", "list: list")
def is_empty(list_: list[Any]) -> bool:
    return not list_


@builtin("sort", "list: list", "precedes?: function")
def sort(list_: list[Any], precedes: FeelFunction | None = None) -> list[Any] | None:
    """Without ``precedes``, natural order; null if two elements have none."""
    if precedes is not None:
        before = precedes
        return sorted(
            list_, key=functools.cmp_to_key(lambda a, b: -1 if before(a, b) is True else 1)
        )
    if any(operators.compare(item, list_[0]) is None for item in list_):
        return None
    return sorted(list_, key=functools.cmp_to_key(lambda a, b: operators.compare(a, b) or 0))
