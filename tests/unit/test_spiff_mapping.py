"""Zeebe variable mappings (adapters/spiff/mapping.py): sources, dotted targets, outputs."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.spiff.errors import MappingError
from adapters.spiff.mapping import map_inputs, map_outputs, put, source_value

CONTEXT = {"payload": {"features": [1, 2]}, "customer": {"tier": "gold"}, "n": 3}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (None, None),  # no source attribute
        ("credentials", "credentials"),  # static: the text as written
        ("{{secrets.AWS_ACCESS_KEY}}", "{{secrets.AWS_ACCESS_KEY}}"),  # resolved by the worker
        ("3", "3"),  # static numbers stay text, as in Zeebe
        ("=payload", {"features": [1, 2]}),
        ("=customer.tier", "gold"),
        ("=n * 2", 6),
        ("={instances: [payload.features]}", {"instances": [[1, 2]]}),
        ("=missing", None),  # an unknown variable is null
        ("=0.1 + 0.2", 0.3),  # FEEL decimals
    ],
)
def test_source_value(source: str | None, expected: Any) -> None:
    assert source_value(source, CONTEXT) == expected


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        ({}, "a", {"a": 1}),
        ({}, "input.body", {"input": {"body": 1}}),
        ({}, "a.b.c", {"a": {"b": {"c": 1}}}),
        ({"a": {"x": 0}}, "a.b", {"a": {"x": 0, "b": 1}}),  # merged into the context there
        ({"a": "text"}, "a.b", {"a": {"b": 1}}),  # not a context: replaced
        ({"a": {"b": {"c": 0}}}, "a.b", {"a": {"b": 1}}),
    ],
)
def test_put_builds_nested_variables(
    start: dict[str, Any], target: str, expected: dict[str, Any]
) -> None:
    put(start, target, 1)
    assert start == expected


@pytest.mark.parametrize("target", ["", "a..b", ".a", "a."])
def test_put_refuses_a_target_that_is_no_path(target: str) -> None:
    with pytest.raises(MappingError, match="target"):
        put({}, target, 1)


def test_bad_feel_is_a_mapping_error_naming_the_source() -> None:
    with pytest.raises(MappingError, match=r"'=payload \+'") as caught:
        source_value("=payload +", CONTEXT)
    assert caught.value.code == "MappingFailed"


def test_inputs_build_locals_in_order_and_see_earlier_ones() -> None:
    mappings = [
        ["credentials", "authentication.type"],
        ["=payload", "input.body"],
        ["=input.body.features[1]", "input.first"],  # sees the local mapped above
        ["eu-west-1", "configuration.region"],
    ]

    local = map_inputs(mappings, CONTEXT)

    assert local == {
        "authentication": {"type": "credentials"},
        "input": {"body": {"features": [1, 2]}, "first": 1},
        "configuration": {"region": "eu-west-1"},
    }


def test_without_output_mappings_the_result_variables_are_merged() -> None:
    updated = map_outputs([], CONTEXT, {"input": {}}, {"prediction": {"score": 1}})

    assert updated == {**CONTEXT, "prediction": {"score": 1}}


def test_with_output_mappings_only_the_targets_reach_the_instance() -> None:
    mappings = [["=prediction.score", "risk.score"], ["=input.body", "risk.sent"]]

    updated = map_outputs(mappings, CONTEXT, {"input": {"body": "x"}}, {"prediction": {"score": 1}})

    assert updated == {**CONTEXT, "risk": {"score": 1, "sent": "x"}}
    assert "prediction" not in updated


def test_outputs_do_not_change_the_variables_given() -> None:
    variables = {"risk": {"old": 1}}

    map_outputs([["=1", "risk.new"]], variables, {}, {})

    assert variables == {"risk": {"old": 1}}
