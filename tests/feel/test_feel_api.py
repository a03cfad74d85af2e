"""The public API: compile cache, JSON in and out, and the multi-word names of the grammar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feel import Expression, compile_expression, evaluate, to_json, warm_up
from feel.functions import MULTI_WORD_NAMES
from feel.parser import parse
from feel.temporal import YearMonthDuration
from feel.values import from_json


def test_the_same_text_compiles_once() -> None:
    first = compile_expression("a + 1 // cached")
    second = compile_expression("a + 1 // cached")

    assert first is second
    assert isinstance(first, Expression)
    assert compile_expression.cache_info().maxsize == 1024


def test_a_compiled_expression_evaluates_over_many_contexts() -> None:
    expression = compile_expression("a * 2")

    assert expression.evaluate({"a": 2}) == 4
    assert expression.evaluate({"a": 0.5}) == 1
    assert expression.evaluate({}) is None
    assert expression.evaluate() is None


def test_floats_come_in_as_their_decimal_text() -> None:
    assert from_json(0.1) == Decimal("0.1")
    assert evaluate("a + b", {"a": 0.1, "b": 0.2}) == Decimal("0.3")
    assert from_json({"a": [1, 2.5, True, None, "s"]}) == {
        "a": [Decimal(1), Decimal("2.5"), True, None, "s"]
    }
    assert from_json(float("nan")) is None


def test_evaluation_leaves_the_input_untouched() -> None:
    context = {"items": [{"score": 0.5}]}

    evaluate('context put(items[1], "score", 1)', context)

    assert context == {"items": [{"score": 0.5}]}


def test_non_json_input_is_refused() -> None:
    with pytest.raises(TypeError, match="object is not JSON data"):
        evaluate("a", {"a": object()})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        ("s", "s"),
        (Decimal("3"), 3),
        (Decimal("3.0"), 3),
        (Decimal("2.5"), 2.5),
        ([Decimal(1), {"a": Decimal("0.5")}], [1, {"a": 0.5}]),
        (timedelta(seconds=30), "PT30S"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(minutes=-90), "-PT1H30M"),
        (timedelta(0), "PT0S"),
        (YearMonthDuration(14), "P1Y2M"),
        (date(2024, 1, 15), "2024-01-15"),
        (datetime(2024, 1, 15, 10, 30, tzinfo=UTC), "2024-01-15T10:30:00Z"),
        (datetime(2024, 1, 15, 10, 30, 0, 500000), "2024-01-15T10:30:00.5"),
        (time(10, 30), "10:30:00"),
    ],
)
def test_to_json(value: Any, expected: Any) -> None:
    converted = to_json(value)

    assert converted == expected
    assert type(converted) is type(expected)


def test_to_json_of_a_connector_error() -> None:
    value = evaluate('jobError("busy", {a: 1.5}, 3, @"PT1M")', {})

    assert to_json(value) == {
        "errorType": "jobError",
        "message": "busy",
        "variables": {"a": 1.5},
        "retries": 3,
        "retryBackoff": "PT1M",
    }


@pytest.mark.parametrize("name", MULTI_WORD_NAMES)
def test_every_multi_word_built_in_is_read_as_one_name(name: str) -> None:
    tree = parse(name.replace(" ", "  ") + "(x)")

    assert getattr(tree, "name", None) == name


def test_a_multi_word_name_without_call_is_not_a_function() -> None:
    assert evaluate("date and time", {"date": True, "time": False}) is False


def test_keywords_are_keys_after_a_dot() -> None:
    assert evaluate("r.in + r.function", {"r": {"in": 1, "function": 2}}) == 3


def test_warm_up_builds_the_parser_ahead_of_the_first_compile() -> None:
    warm_up()

    assert evaluate("1", {}) == 1


def test_a_zone_id_is_kept_and_written_back() -> None:
    try:
        ZoneInfo("Europe/Berlin")
    except (ValueError, OSError):  # pragma: no cover - a host without a tz database
        pytest.skip("no time zone database")
    value = evaluate('date and time("2024-07-01T10:00:00@Europe/Berlin")', {})

    assert value.utcoffset() == timedelta(hours=2)
    assert to_json(value) == "2024-07-01T10:00:00@Europe/Berlin"
