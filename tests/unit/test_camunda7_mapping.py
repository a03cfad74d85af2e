"""Camunda 7 adapter, fast: typed variables in and out, task → queue job, outcome → request
body, the engine's errors, settings. Table-driven; no processes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from adapters.camunda7 import mapping, variables
from adapters.camunda7.client import auth_headers, translate
from adapters.camunda7.settings import Camunda7Settings
from adapters.errors import EngineUnavailable, JobConflict, JobGone, RequestRejected
from adapters.outcome import Outcome, decide
from producer.contract import ErrorInfo, Result

# --- in: the connector's variables as a modeler sets them ---

OBJECT_JSON = {"serializationDataFormat": "application/json", "objectTypeName": "java.util.Map"}
READS = [
    # (fetched variable, JSON value)
    ({"type": "Json", "value": '{"a": 1}', "valueInfo": {}}, {"a": 1}),
    ({"type": "Object", "value": '{"a": [1]}', "valueInfo": OBJECT_JSON}, {"a": [1]}),
    (
        {"type": "String", "value": '{"region": "eu-west-1"}', "valueInfo": {}},
        {"region": "eu-west-1"},
    ),
    ({"type": "Json", "value": "[1, 2]"}, [1, 2]),
    ({"type": "Null", "value": None}, None),
    ({"type": "Json", "value": None}, None),
]


@pytest.mark.parametrize(("variable", "expected"), READS)
def test_read(variable: dict[str, Any], expected: Any) -> None:
    assert variables.read("input", variable) == expected


UNREADABLE = [
    # (fetched variable, what the message must say)
    (
        {"type": "Object", "value": "rO0ABXNyABFqYXZh", "valueInfo": {
            "serializationDataFormat": "application/x-java-serialized-object",
            "objectTypeName": "java.util.HashMap"}},
        "Object serialized as application/x-java-serialized-object (java.util.HashMap)",
    ),
    ({"type": "Integer", "value": 3}, "has type Integer; expected Json, Object"),
    (
        {"type": "String", "value": "endpoint=churn"},
        "(String) does not hold JSON: Expecting value at line 1 column 1",
    ),
    (
        {"type": "Json", "value": '{"secretKey": "tEsT-sEcReT" '},
        "does not hold JSON: Expecting ',' delimiter",
    ),
    ({"type": "Object", "value": "{}", "valueInfo": {}}, "serialized as an unknown format"),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "says"), UNREADABLE)
def test_unreadable_variable_names_it_and_why_never_its_value(
    variable: dict[str, Any], says: str
) -> None:
    with pytest.raises(variables.VariableProblem) as caught:
        variables.read("input", variable)
    assert str(caught.value).startswith("variable 'input' ")
    assert says in str(caught.value)
    assert "tEsT-sEcReT" not in str(caught.value)


# --- out: result variables, typed ---

TYPED = [
    ({"score": 0.83}, {"type": "Json", "value": '{"score":0.83}'}),
    ([1, "a"], {"type": "Json", "value": '[1,"a"]'}),
    ("churn", {"type": "String", "value": "churn"}),
    ("x" * 4000, {"type": "String", "value": "x" * 4000}),
    ("x" * 4001, {"type": "Json", "value": json.dumps("x" * 4001)}),  # the String column's limit
    (True, {"type": "Boolean", "value": True}),
    (7, {"type": "Integer", "value": 7}),
    (2**31 - 1, {"type": "Integer", "value": 2**31 - 1}),
    (2**31, {"type": "Long", "value": 2**31}),
    (-(2**63), {"type": "Long", "value": -(2**63)}),
    (2**64, {"type": "Json", "value": str(2**64)}),  # exact, not a rounded Double
    (0.5, {"type": "Double", "value": 0.5}),
    (None, {"type": "Null", "value": None}),
    ({"ü": "ß"}, {"type": "Json", "value": '{"ü":"ß"}'}),
]


@pytest.mark.parametrize(("value", "expected"), TYPED)
def test_typed(value: Any, expected: dict[str, Any]) -> None:
    assert variables.typed(value) == expected


# --- a locked task → a queue job ---


def _task(**overrides: Any) -> dict[str, Any]:
    task = {
        "id": "8f0c2a1e-0000-4000-8000-000000000001",
        "topicName": "aws-sagemaker",
        "retries": None,
        "processInstanceId": "pi-1",
        "activityId": "Score",
        "businessKey": "order-42",
        "tenantId": None,
        "workerId": "smq-camunda7",
        "extensionProperties": {"resultVariable": "prediction", "retries": "5"},
        "variables": {
            "authentication": {
                "type": "String",
                "value": '{"type": "credentials", "accessKey": "AKIAINLINE", '
                '"secretKey": "{{secrets.S}}"}',
            },
            "configuration": {"type": "Json", "value": '{"region": "eu-central-1"}'},
            "input": {"type": "Object", "value": '{"endpointName": "m"}', "valueInfo": OBJECT_JSON},
            "awsCredential": {"type": "Null", "value": None},
        },
    }
    task.update(overrides)
    return task


def test_locked_task_becomes_a_queue_job() -> None:
    job = mapping.activated_job(_task(), default_retries=3)
    assert job.job_key == "8f0c2a1e-0000-4000-8000-000000000001"
    assert job.invalid is None
    assert job.retries == 5  # first fetch: retries null, the extension property decides
    assert job.document == {
        "variables": {
            "authentication": {
                "type": "credentials",
                "accessKey": "AKIAINLINE",
                "secretKey": "{{secrets.S}}",
            },
            "configuration": {"region": "eu-central-1"},
            "input": {"endpointName": "m"},
        },
        "headers": {"resultVariable": "prediction"},
        "retries": 5,
        "correlation": {
            "externalTaskId": "8f0c2a1e-0000-4000-8000-000000000001",
            "processInstanceId": "pi-1",
            "activityId": "Score",
            "businessKey": "order-42",
            "topicName": "aws-sagemaker",
        },
    }
    assert job.secrets == frozenset({"AKIAINLINE"})


RETRIES = [
    # (task retries, retries property, default, expected retries, problem?)
    (None, None, 3, 3, False),
    (None, "5", 3, 5, False),
    (None, " 0 ", 3, 0, False),
    (2, "5", 3, 2, False),  # fetched again after a failure: the engine's count
    (250, None, 3, 250, False),  # the document is capped at 100 (below)
    (None, "many", 3, 3, True),
    (None, "-1", 3, 3, True),
]


@pytest.mark.parametrize(("fetched", "prop", "default", "expected", "problem"), RETRIES)
def test_retries(
    fetched: int | None, prop: str | None, default: int, expected: int, problem: bool
) -> None:
    properties = {} if prop is None else {"retries": prop}
    job = mapping.activated_job(_task(retries=fetched, extensionProperties=properties), default)
    assert job.retries == expected
    assert job.document["retries"] == min(expected, 100)
    assert (job.invalid is not None) == problem
    assert "retries" not in job.document["headers"]


def test_unreadable_variables_make_an_invalid_job_listing_each() -> None:
    fetched = _task()["variables"]
    fetched["input"] = {"type": "String", "value": "not json"}
    fetched["configuration"] = {"type": "Long", "value": 1}
    job = mapping.activated_job(_task(variables=fetched), 3)
    assert job.invalid is not None
    assert "variable 'configuration' has type Long" in job.invalid
    assert "variable 'input' (String) does not hold JSON" in job.invalid


def test_fetch_body() -> None:
    body = mapping.fetch_body(["a", "b"], worker_id="w", max_tasks=7, lock_ms=60_000, poll_ms=0)
    topic = {
        "lockDuration": 60_000,
        "variables": ["authentication", "configuration", "input", "awsCredential"],
        "includeExtensionProperties": True,
    }
    assert body == {
        "workerId": "w",
        "maxTasks": 7,
        "topics": [{"topicName": "a", **topic}, {"topicName": "b", **topic}],
    }
    polling = mapping.fetch_body(["a"], worker_id="w", max_tasks=1, lock_ms=1, poll_ms=20_000)
    assert polling["asyncResponseTimeout"] == 20_000
    tenants = mapping.fetch_body(
        ["a", "b"], worker_id="w", max_tasks=1, lock_ms=1, poll_ms=0, tenant_ids=["t1", "t2"]
    )
    assert [t["tenantIdIn"] for t in tenants["topics"]] == [["t1", "t2"]] * 2


# --- an outcome → the request body ---

REQUESTS = [
    (
        Outcome("complete", {"r": {"score": 1}, "ok": True}),
        (
            "complete",
            {
                "workerId": "w",
                "variables": {
                    "r": {"type": "Json", "value": '{"score":1}'},
                    "ok": {"type": "Boolean", "value": True},
                },
            },
        ),
    ),
    (Outcome("complete"), ("complete", {"workerId": "w"})),
    (
        Outcome("error", {"v": 1}, error_code="E1", message="m"),
        (
            "bpmnError",
            {
                "workerId": "w",
                "errorCode": "E1",
                "errorMessage": "m",
                "variables": {"v": {"type": "Integer", "value": 1}},
            },
        ),
    ),
    (
        Outcome("fail", error_code="X", message="X: m", retries=0, details="X: m\n\ntype: aws"),
        (
            "failure",
            {
                "workerId": "w",
                "errorMessage": "X: m",
                "errorDetails": "X: m\n\ntype: aws",
                "retries": 0,
                "retryTimeout": 0,
            },
        ),
    ),
    (
        Outcome("fail", message="model failed", retries=2, backoff_ms=30_000),
        (
            "failure",
            {
                "workerId": "w",
                "errorMessage": "model failed",
                "errorDetails": "model failed",
                "retries": 2,
                "retryTimeout": 30_000,
            },
        ),
    ),
]


@pytest.mark.parametrize(("outcome", "expected"), REQUESTS)
def test_request_for(outcome: Outcome, expected: tuple[str, dict[str, Any]]) -> None:
    assert mapping.request_for(outcome, "w") == expected


@pytest.mark.parametrize(
    ("text", "expected_units"),
    [("x" * 666, 666), ("x" * 667, 666), ("x" * 6000, 666), ("😀" * 400, 666)],
)
def test_short_message_fits_the_engines_666_utf16_units(text: str, expected_units: int) -> None:
    short = mapping.short_message(text)
    assert len(short.encode("utf-16-le")) // 2 <= expected_units
    assert short == text or short.endswith("…")


def test_an_incident_keeps_the_whole_error_in_its_details() -> None:
    long_message = "Received client error (400) from primary: " + "shape mismatch " * 300
    result = Result(
        id="c7:t:1",
        status="failed",
        attempts=1,
        error=ErrorInfo(
            type="aws",
            code="ModelError",
            message=long_message,
            retryable=False,
            details={"OriginalStatusCode": 400, "LogStreamArn": "arn:aws:logs:x"},
        ),
    )
    _, body = mapping.request_for(decide(result).resolved(3).masked({"shape"}), "w")
    assert len(body["errorMessage"]) == 666
    assert body["errorMessage"].startswith("ModelError: Received client error (400)")
    details = body["errorDetails"]
    assert "****" in details and "shape" not in details  # masked like the message
    assert '"OriginalStatusCode": 400' in details
    assert "arn:aws:logs:x" in details
    assert details.count("**** mismatch") == 300  # nothing cut


# --- the engine's errors ---


LOCKED = "External Task x cannot be completed by worker 'a'. It is locked by worker 'b'."
EXPIRED = "Cannot extend a lock that expired: lockExpirationTime is not greater than or equal to 1"
TRANSLATIONS = [
    # (status, ExceptionDto type, message, what it means to the adapter)
    (404, "RestException", "External task with id x does not exist", JobGone),
    (400, "RestException", LOCKED, JobConflict),
    (400, "RestException", EXPIRED, JobConflict),
    (400, "InvalidRequestException", "Unsupported value type 'JSON'", RequestRejected),
    (403, "AuthorizationException", "no permission", RequestRejected),
    (500, "ProcessEngineException", "ExternalTask with id 'x' is suspended", EngineUnavailable),
    (503, None, "", EngineUnavailable),
    (401, None, "", EngineUnavailable),
    (429, None, "", EngineUnavailable),
]


@pytest.mark.parametrize(("status", "kind", "message", "error"), TRANSLATIONS)
def test_translate(status: int, kind: str | None, message: str, error: type) -> None:
    document = {"type": kind, "message": message}
    response = httpx.Response(status, json=document) if kind else httpx.Response(status, text="")
    translated = translate(response)
    assert type(translated) is error
    if kind:
        assert (translated.title, translated.detail) == (kind, message)


# --- settings ---


@pytest.mark.parametrize(
    ("env", "header"),
    [
        ({}, None),
        ({"SMQ_CAMUNDA7_USERNAME": "demo", "SMQ_CAMUNDA7_PASSWORD": "demo"}, "Basic ZGVtbzpkZW1v"),
        ({"SMQ_CAMUNDA7_TOKEN": "t0k"}, "Bearer t0k"),
    ],
)
def test_auth_headers(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], header: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert auth_headers(Camunda7Settings()).get("Authorization") == header


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({"SMQ_CAMUNDA7_USERNAME": "demo"}, "go together"),
        (
            {"SMQ_CAMUNDA7_TOKEN": "t", "SMQ_CAMUNDA7_USERNAME": "u", "SMQ_CAMUNDA7_PASSWORD": "p"},
            "not both",
        ),
        ({"SMQ_CAMUNDA7_POLL_TIMEOUT": "1801"}, "less than or equal to 1800"),
    ],
)
def test_settings_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], refused: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=refused):
        Camunda7Settings()


def test_settings_defaults_and_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Camunda7Settings()
    assert defaults.base_url == "http://localhost:8080/engine-rest"
    assert defaults.topics == ["aws-sagemaker"]
    monkeypatch.setenv("SMQ_CAMUNDA7_TOPICS", "aws-sagemaker, scoring ")
    monkeypatch.setenv("SMQ_CAMUNDA7_URL", "https://engine.example/engine-rest/")
    settings = Camunda7Settings()
    assert settings.topics == ["aws-sagemaker", "scoring"]
    assert settings.base_url == "https://engine.example/engine-rest"
    assert all(field.description for field in Camunda7Settings.model_fields.values())
