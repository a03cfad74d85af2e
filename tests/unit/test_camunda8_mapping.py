"""Camunda 8 adapter, fast: outcome decisions, request bodies, job mapping, backoff,
HTTP error translation, settings. Table-driven; no processes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.backoff import compute_backoff
from adapters.camunda8 import mapping
from adapters.camunda8.client import translate
from adapters.camunda8.settings import Camunda8Settings, CamundaConnection
from adapters.errors import (
    EngineUnavailable,
    JobConflict,
    JobGone,
    RequestRejected,
)
from adapters.outcome import MAX_MESSAGE, Outcome, decide, duration_ms
from producer.contract import ErrorInfo, Result


def _result(status: str, error: dict[str, Any] | None = None, **fields: Any) -> Result:
    return Result(
        id="c8:1:1",
        status=status,  # type: ignore[arg-type]
        error=ErrorInfo(**error) if error else None,
        **fields,
    )


def _error(type_: str, code: str, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"type": type_, "code": code, "message": message, "retryable": False, **extra}


DECISIONS = [
    # (result, activated retries, expected outcome)
    (
        _result("completed", variables={"prediction": {"body": 1}}),
        3,
        Outcome("complete", {"prediction": {"body": 1}}),
    ),
    (  # ignoreError: the worker turned it into a completion with the expression's variables
        _result("completed", variables={"ignored": True}),
        3,
        Outcome("complete", {"ignored": True}),
    ),
    (
        _result("bpmnError", _error("bpmnError", "MODEL_REJECTED", "bad"), variables={"a": 1}),
        3,
        Outcome("error", {"a": 1}, error_code="MODEL_REJECTED", message="bad"),
    ),
    (
        _result(
            "failed", _error("jobError", "ModelError", "retry me", retries=2, retryBackoff="PT30S")
        ),
        3,
        Outcome("fail", error_code="ModelError", message="retry me", retries=2, backoff_ms=30_000),
    ),
    (  # jobError without retries: Camunda's default, the job's retries minus one
        _result("failed", _error("jobError", "ModelError", "again")),
        3,
        Outcome("fail", error_code="ModelError", message="again", retries=2),
    ),
    (
        _result("failed", _error("aws", "ModelError", "424 from model")),
        3,
        Outcome("fail", error_code="ModelError", message="ModelError: 424 from model", retries=0),
    ),
    (
        _result("failed", _error("input", "InvalidJob", "input.body: required")),
        5,
        Outcome(
            "fail", error_code="InvalidJob", message="InvalidJob: input.body: required", retries=0
        ),
    ),
    (  # retryable, attempts used up: still an incident
        _result("failed", {**_error("aws", "ThrottlingException", "slow down"), "retryable": True}),
        1,
        Outcome(
            "fail",
            error_code="ThrottlingException",
            message="ThrottlingException: slow down",
            retries=0,
        ),
    ),
]


@pytest.mark.parametrize(("result", "retries", "expected"), DECISIONS)
def test_decide(result: Result, retries: int, expected: Outcome) -> None:
    assert decide(result).resolved(retries) == expected


def test_incident_message_is_capped_and_masked() -> None:
    long = decide(_result("failed", _error("aws", "ModelError", "x" * 10_000)))
    assert len(long.message) == MAX_MESSAGE
    masked = decide(_result("failed", _error("aws", "ModelError", "key AKIA123456 leaked")))
    assert masked.masked({"AKIA123456", "ab"}).message == "ModelError: key **** leaked"


@pytest.mark.parametrize(
    ("text", "ms"), [("PT30S", 30_000), ("PT1M", 60_000), ("PT0.5S", 500), (None, 0), ("soon", 0)]
)
def test_duration_ms(text: str | None, ms: int) -> None:
    assert duration_ms(text) == ms


REQUESTS = [
    (Outcome("complete", {"r": 1}), ("completion", {"variables": {"r": 1}})),
    (Outcome("complete"), ("completion", {"variables": {}})),
    (
        Outcome("error", {"v": 1}, error_code="E1", message="m"),
        ("error", {"errorCode": "E1", "errorMessage": "m", "variables": {"v": 1}}),
    ),
    (
        Outcome("fail", error_code="X", message="X: m", retries=0),
        ("failure", {"retries": 0, "errorMessage": "X: m", "retryBackOff": 0}),
    ),
    (
        Outcome("fail", {"v": 2}, message="m", retries=2, backoff_ms=30_000),
        (
            "failure",
            {"retries": 2, "errorMessage": "m", "retryBackOff": 30_000, "variables": {"v": 2}},
        ),
    ),
]


@pytest.mark.parametrize(("outcome", "expected"), REQUESTS)
def test_request_for(outcome: Outcome, expected: tuple[str, dict[str, Any]]) -> None:
    assert mapping.request_for(outcome) == expected


ENGINE_JOB = {
    "type": "io.camunda:aws-sagemaker:1",
    "jobKey": "2251799813685249",
    "retries": 3,
    "processInstanceKey": "2251799813690001",
    "elementId": "Score",
    "elementInstanceKey": "2251799813690002",
    "processDefinitionId": "churn",
    "tenantId": "<default>",
    "deadline": 1,
    "worker": "w",
    "customHeaders": {"resultVariable": "prediction", "retryBackoff": "PT30S"},
    "variables": {
        "authentication": {
            "type": "credentials",
            "accessKey": "AKIAINLINE",
            "secretKey": "{{secrets.S}}",
        },
        "configuration": {"region": "eu-central-1"},
        "input": {"endpointName": "m", "body": {}},
        "somethingElse": 1,
    },
}


def test_activated_job_becomes_a_queue_job() -> None:
    job = mapping.activated_job(ENGINE_JOB)
    assert job.job_key == "2251799813685249"
    assert job.retries == 3
    assert job.document == {
        "variables": {
            k: ENGINE_JOB["variables"][k] for k in ("authentication", "configuration", "input")
        },
        "headers": {"resultVariable": "prediction", "retryBackoff": "PT30S"},
        "retries": 3,
        "correlation": {
            "jobKey": "2251799813685249",
            "processInstanceKey": "2251799813690001",
            "elementId": "Score",
            "elementInstanceKey": "2251799813690002",
            "processDefinitionId": "churn",
            "tenantId": "<default>",
        },
    }
    assert job.secrets == frozenset({"AKIAINLINE"})  # the placeholder is not a secret value


def test_retries_above_the_contract_cap_are_worked_with_100() -> None:
    job = mapping.activated_job({**ENGINE_JOB, "retries": 250})
    assert (job.retries, job.document["retries"]) == (250, 100)


@pytest.mark.parametrize(
    ("poll_ms", "tenant", "expected"),
    [
        (20_000, None, {"requestTimeout": 20_000}),
        (0, None, {"requestTimeout": -1}),
        (5_000, "acme", {"requestTimeout": 5_000, "tenantIds": ["acme"]}),
    ],
)
def test_activation_body(poll_ms: int, tenant: str | None, expected: dict[str, Any]) -> None:
    body = mapping.activation_body(
        "t", worker="w", timeout_ms=60_000, max_jobs=7, request_timeout_ms=poll_ms, tenant_id=tenant
    )
    assert body == {
        "type": "t",
        "worker": "w",
        "timeout": 60_000,
        "maxJobsToActivate": 7,
        "fetchVariable": ["authentication", "configuration", "input", "awsCredential"],
        **expected,
    }


@pytest.mark.parametrize(
    ("status", "document", "error"),
    [
        (404, {"title": "NOT_FOUND", "detail": "no such job"}, JobGone),
        (409, {"title": "INVALID_STATE"}, JobConflict),
        (503, {"title": "RESOURCE_EXHAUSTED"}, EngineUnavailable),
        (500, {"title": "INTERNAL"}, EngineUnavailable),
        (502, None, EngineUnavailable),
        (429, None, EngineUnavailable),
        (401, {"title": "Unauthorized"}, EngineUnavailable),
        (400, {"title": "INVALID_ARGUMENT"}, RequestRejected),
        (403, {"title": "FORBIDDEN"}, RequestRejected),
    ],
)
def test_translate(status: int, document: dict[str, str] | None, error: type) -> None:
    response = (
        httpx.Response(status, json=document)
        if document is not None
        else httpx.Response(status, text="<html>")
    )
    translated = translate(response)
    assert type(translated) is error
    if document:
        assert translated.title == document["title"]


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [(1, 0.0, 0.25), (1, 1.0, 0.5), (2, 0.0, 0.5), (3, 1.0, 2.0), (10, 0.0, 15.0), (10, 1.0, 30.0)],
)
def test_compute_backoff(attempt: int, rand: float, expected: float) -> None:
    assert compute_backoff(attempt, initial=0.5, cap=30.0, rand=lambda: rand) == expected


@pytest.mark.parametrize(
    ("env", "strategy", "base_url"),
    [
        ({}, "NONE", "http://localhost:8080/v2"),
        ({"CAMUNDA_REST_ADDRESS": "https://c.example/abc"}, "NONE", "https://c.example/abc/v2"),
        ({"CAMUNDA_CLIENT_ID": "i", "CAMUNDA_CLIENT_SECRET": "s"}, "OAUTH", None),
        ({"CAMUNDA_BASIC_AUTH_USERNAME": "u", "CAMUNDA_BASIC_AUTH_PASSWORD": "p"}, "BASIC", None),
        ({"CAMUNDA_AUTH_STRATEGY": "NONE", "CAMUNDA_CLIENT_ID": "i"}, "NONE", None),
    ],
)
def test_connection_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], strategy: str, base_url: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    connection = CamundaConnection()
    assert connection.strategy == strategy
    if base_url:
        assert connection.base_url == base_url


def test_oauth_without_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMUNDA_AUTH_STRATEGY", "OAUTH")
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", "i")
    with pytest.raises(ValueError, match="CAMUNDA_CLIENT_SECRET"):
        CamundaConnection()


def test_job_types_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMQ_CAMUNDA_JOB_TYPES", "io.camunda:aws-sagemaker:1, smq-sagemaker")
    assert Camunda8Settings().job_types == ["io.camunda:aws-sagemaker:1", "smq-sagemaker"]
    assert all(field.description for field in Camunda8Settings.model_fields.values())
    assert all(field.description for field in CamundaConnection.model_fields.values())
