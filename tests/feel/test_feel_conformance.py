"""FEEL semantics, one table row at a time (the table is ``cases.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from feel import evaluate

from .cases import CASES, CONTEXT


def assert_same(actual: Any, expected: Any, where: str = "value") -> None:
    """Equal *and* of the FEEL kind the expectation stands for (int means Decimal)."""
    if isinstance(expected, bool) or expected is None:
        assert actual is expected, f"{where}: {actual!r} is not {expected!r}"
    elif isinstance(expected, (int, Decimal)):
        assert type(actual) is Decimal, f"{where}: {actual!r} is no number"
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, list):
        assert type(actual) is list, f"{where}: {actual!r} is no list"
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert type(actual) is dict, f"{where}: {actual!r} is no context"
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}")
    else:
        assert type(actual) is type(expected), f"{where}: {actual!r} is no {type(expected)}"
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert len({expression for expression, _ in CASES}) == len(CASES), "duplicate rows"


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expression(expression: str, expected: Any) -> None:
    assert_same(evaluate(expression, CONTEXT), expected)
