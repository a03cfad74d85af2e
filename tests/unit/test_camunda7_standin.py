"""The Camunda 7 stand-in's checks, fast: the vendored DTO templates rendered to schemas catch
what the engine's contract forbids (so the integration tests' "no invalid request" can fail),
every body the adapter builds passes them, and typed variables are read as the engine does."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.camunda7 import mapping
from adapters.outcome import Outcome
from emulator.camunda7 import spec
from emulator.camunda7.tasks import cut_utf16, java_date
from emulator.camunda7.variables import VariableRefused, typed

FETCH = {
    "workerId": "w",
    "maxTasks": 2,
    "asyncResponseTimeout": 1000,
    "topics": [{"topicName": "t", "lockDuration": 100, "variables": ["input"]}],
}

INVALID = [
    # (DTO, body, a problem it must report)
    ("FetchExternalTasksDto", {"workerId": "w", "topics": []}, "'maxTasks' is a required property"),
    ("FetchExternalTasksDto", {**FETCH, "maxTasks": "2"}, "maxTasks: '2' is not of type 'integer'"),
    ("FetchExternalTasksDto", {**FETCH, "workerId": None}, "workerId: None for not nullable"),
    (
        "FetchExternalTasksDto",
        {**FETCH, "topics": [{"topicName": "t"}]},
        "topics/0: 'lockDuration' is a required property",
    ),
    (  # a misspelling the engine would drop silently
        "FetchExternalTasksDto",
        {
            **FETCH,
            "topics": [{"topicName": "t", "lockDuration": 1, "includeExtensionProperty": True}],
        },
        "'includeExtensionProperty' was unexpected",
    ),
    (
        "FetchExternalTasksDto",
        {**FETCH, "sorting": [{"sortBy": "priority", "sortOrder": "asc"}]},
        "sorting/0/sortBy: 'priority' is not one of ['createTime']",
    ),
    ("ExternalTaskFailureDto", {"workerId": "w", "retries": "0"}, "retries: '0' is not of type"),
    (
        "ExternalTaskFailureDto",
        {"workerId": "w", "retryBackOff": 0},
        "'retryBackOff' was unexpected",
    ),
    ("ExternalTaskBpmnError", {"workerId": "w", "errorCod": "E"}, "'errorCod' was unexpected"),
    (
        "CompleteExternalTaskDto",
        {"workerId": "w", "variables": {"r": {"typ": "Json"}}},
        "variables/r: Additional properties are not allowed ('typ' was unexpected)",
    ),
    (
        "ExtendLockOnExternalTaskDto",
        {"workerId": 7, "newDuration": 1},
        "workerId: 7 is not of type",
    ),
]


@pytest.mark.parametrize(("dto", "body", "problem"), INVALID)
def test_invalid_requests_are_caught(dto: str, body: dict[str, Any], problem: str) -> None:
    found = spec.problems(dto, body)
    assert any(problem in p for p in found), found


def test_the_published_examples_and_a_full_fetch_pass() -> None:
    assert spec.problems("FetchExternalTasksDto", FETCH) == []
    assert spec.problems("ExtendLockOnExternalTaskDto", {"workerId": "w", "newDuration": 1}) == []
    assert spec.problems("ExceptionDto", {"type": "RestException", "message": "m", "code": 0}) == []


def test_request_bodies_come_from_the_path_templates() -> None:
    assert spec.request_dto("external-task/fetchAndLock") == "FetchExternalTasksDto"
    assert spec.request_dto("external-task/{id}/bpmnError") == "ExternalTaskBpmnError"
    assert spec.request_dto("external-task/{id}/unlock") is None


OUTCOMES = [
    ("CompleteExternalTaskDto", Outcome("complete", {"r": {"x": [1]}, "n": None, "s": "t"})),
    ("ExternalTaskBpmnError", Outcome("error", {"v": 1.5}, error_code="E", message="m")),
    ("ExternalTaskFailureDto", Outcome("fail", {"v": 2**40}, retries=2, backoff_ms=5)),
]
FETCH_BODY = mapping.fetch_body(["a", "b"], worker_id="w", max_tasks=9, lock_ms=1, poll_ms=2)
TENANT_FETCH_BODY = mapping.fetch_body(
    ["a"], worker_id="w", max_tasks=9, lock_ms=1, poll_ms=2, tenant_ids=["t1"]
)
ADAPTER_BODIES = [
    ("FetchExternalTasksDto", FETCH_BODY),
    ("FetchExternalTasksDto", TENANT_FETCH_BODY),
    *((dto, mapping.request_for(outcome, "w")[1]) for dto, outcome in OUTCOMES),
]


@pytest.mark.parametrize(("dto", "body"), ADAPTER_BODIES)
def test_every_body_the_adapter_builds_is_valid(dto: str, body: dict[str, Any]) -> None:
    assert spec.problems(dto, body) == []
    typed(body.get("variables"))  # and the engine's variable conversion accepts its variables


VARIABLES = [
    ({"type": "Json", "value": '{"a":1}'}, {"type": "Json", "value": {"a": 1}}),
    ({"type": "Integer", "value": 7}, {"type": "Integer", "value": 7}),
    ({"type": "Long", "value": 2**40}, {"type": "Long", "value": 2**40}),
    ({"type": "Double", "value": 3}, {"type": "Double", "value": 3}),
    ({"type": "Null", "value": None}, {"type": "Null", "value": None}),
]


@pytest.mark.parametrize(("dto", "stored"), VARIABLES)
def test_variables_the_engine_accepts(dto: dict[str, Any], stored: dict[str, Any]) -> None:
    assert typed({"v": dto}) == {"v": stored}


REFUSED = [
    ({"type": "JSON", "value": "{}"}, "Unsupported value type 'JSON'"),
    ({"type": "Json", "value": {"a": 1}}, "Must provide 'null' or String value for value of "),
    ({"type": "Integer", "value": 2**31}, "value '2147483648' of type 'Integer' to java type"),
    ({"type": "Boolean", "value": "yes"}, "of type 'Boolean'"),
    ({"type": "String", "value": 5}, "of type 'String'"),
    ({"type": "Json", "value": "{nope"}, "Cannot deserialize Json value"),
]


@pytest.mark.parametrize(("dto", "message"), REFUSED)
def test_variables_the_engine_refuses(dto: dict[str, Any], message: str) -> None:
    with pytest.raises(VariableRefused) as refused:
        typed({"v": dto})
    assert message in refused.value.message


def test_engine_formats() -> None:
    assert java_date(0) == "1970-01-01T00:00:00.000+0000"
    assert java_date(1_700_000_000_123) == "2023-11-14T22:13:20.123+0000"
    assert cut_utf16("😀" * 400, 666) == "😀" * 333
