"""The Camunda 8 adapter end to end: a stand-in engine (OAuth, every request validated
against the vendored jobs.yaml), a real ``smq camunda`` process, the worker, the poller,
the SageMaker emulator, Redis. Jobs are shaped as Camunda's SageMaker template makes them;
each test reads the engine's side: what Operate would show."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.camunda8.control import Camunda8Control
from emulator.control import EmulatorControl
from ops.camunda8 import start_adapter, start_camunda8
from ops.local import Service, start_poller
from tests.integration.camunda8_support import (
    adapter_env,
    assert_nothing_secret_sent,
    calls_for,
    events,
    template_job,
    wait_final,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def camunda(stack_dir: Path) -> Iterator[Service]:
    service = start_camunda8(stack_dir / "camunda8", auth="oauth")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def control(camunda: Service) -> Camunda8Control:
    return Camunda8Control(camunda.url)


@pytest.fixture(scope="module")
def poller(stack_dir: Path, worker_env: dict[str, str]) -> Iterator[Service]:
    service = start_poller(stack_dir / "pollers", worker_env, name="c8")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def adapter(
    stack_dir: Path,
    worker: Service,
    poller: Service,
    camunda: Service,
    worker_env: dict[str, str],
) -> Iterator[Service]:
    # A 3 s job timeout: the deadline is pushed every second, so any job slower than that
    # exercises the extension.
    env = adapter_env(worker_env, camunda, prefix="c8it", SMQ_CAMUNDA_JOB_TIMEOUT="3")
    service = start_adapter(stack_dir / "adapters", env, name="adapter-c8")
    yield service
    service.stop()


@pytest.fixture
def endpoint() -> str:
    return f"c8-{uuid.uuid4().hex[:10]}"


def run(control: Camunda8Control, *jobs: dict[str, Any], timeout: float = 30) -> list[dict]:
    keys = control.create_jobs(*jobs)
    return [wait_final(control, key, timeout) for key in keys]


def test_template_job_completes_with_exactly_the_result_variable(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a job as Camunda's SageMaker template shapes it, with resultVariable
    emulator.script(endpoint, response={"body": {"score": 0.83}, "contentType": "application/json"})
    # When the adapter works on it
    [job] = run(control, template_job(endpoint, {"resultVariable": "prediction"}))
    # Then the engine completes it with exactly {prediction: response}
    assert job["state"] == "COMPLETED"
    [completed] = events(job, "completed")
    assert completed["variables"] == {
        "prediction": {
            "body": {"score": 0.83},
            "contentType": "application/json",
            "customAttributes": None,
            "invokedProductionVariant": "AllTraffic",
        }
    }
    assert emulator.invocations(endpoint)["count"] == 1
    activation = next(r for r in control.requests()["requests"] if r["operation"] == "activation")[
        "body"
    ]
    assert activation["fetchVariable"] == [
        "authentication",
        "configuration",
        "input",
        "awsCredential",
    ]
    assert activation["type"] == "io.camunda:aws-sagemaker:1"
    assert_nothing_secret_sent(control)


def test_result_expression_gives_the_variables(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, response={"body": {"predictions": [{"score": 0.4}]}})
    [job] = run(
        control,
        template_job(
            endpoint, {"resultExpression": "={score: body.predictions[1].score, ok: true}"}
        ),
    )
    assert events(job, "completed")[0]["variables"] == {"score": 0.4, "ok": True}


def test_bpmn_error_from_error_expression(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, errors={"code": "ModelError", "message": "bad shape"})
    expression = (
        '=if error.code = "ModelError" then bpmnError("MODEL_REJECTED", error.message, '
        "{reason: error.code}) else null"
    )
    [job] = run(control, template_job(endpoint, {"errorExpression": expression}))
    assert job["state"] == "ERROR_THROWN"
    [thrown] = events(job, "errorThrown")
    assert thrown["errorCode"] == "MODEL_REJECTED"
    assert "bad shape" in thrown["errorMessage"]
    assert thrown["variables"] == {"reason": "ModelError"}
    assert emulator.invocations(endpoint)["count"] == 1


def test_job_error_walks_the_retries_down_to_an_incident_one_invocation_per_activation(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Camunda's documented pattern: jobError(msg, {}, job.retries - 1, @"PT0S")
    emulator.script(endpoint, errors={"code": "ModelError"})
    expression = (
        '=if error != null then jobError("model failed", {}, job.retries - 1, @"PT0S") else null'
    )
    [job] = run(control, template_job(endpoint, {"errorExpression": expression}, retries=3))
    assert job["incident"] == "model failed"
    failures = events(job, "failed")
    assert [f["retries"] for f in failures] == [2, 1, 0]
    assert [a["retries"] for a in events(job, "activated")] == [3, 2, 1]
    assert emulator.invocations(endpoint)["count"] == 3  # one per activation


@pytest.mark.parametrize("code", ["ModelError", "ValidationError"])
def test_permanent_aws_error_is_an_incident_after_one_invocation(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, code: str
) -> None:
    endpoint = f"c8-{uuid.uuid4().hex[:10]}"
    emulator.script(endpoint, errors={"code": code, "message": f"{code} from the model"})
    [job] = run(control, template_job(endpoint, retries=3))
    assert job["state"] == "FAILED"
    assert job["incident"].startswith(f"{code}: ")
    assert events(job, "failed")[0]["retries"] == 0
    assert len(events(job, "activated")) == 1
    assert emulator.invocations(endpoint)["count"] == 1


def test_retryable_error_then_success_completes_within_one_activation(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, errors={"code": "ServiceUnavailable", "count": 1})
    [job] = run(control, template_job(endpoint, {"resultVariable": "r"}, retries=3))
    assert job["state"] == "COMPLETED"
    assert len(events(job, "activated")) == 1
    assert emulator.invocations(endpoint)["count"] == 2


def test_async_job_completes_with_its_output(
    adapter: Service,
    control: Camunda8Control,
    emulator: EmulatorControl,
    endpoint: str,
    s3: Any,  # creates the staging bucket the inline body goes to
) -> None:
    emulator.script(endpoint, response={"body": {"label": "churn"}}, async_={"delayMs": 300})
    job_spec = template_job(
        endpoint, {"resultVariable": "inference"}, invocationType="ASYNC", body={"x": 1}
    )
    [job] = run(control, job_spec, timeout=45)
    assert job["state"] == "COMPLETED", job["incident"]
    inference = events(job, "completed")[0]["variables"]["inference"]
    assert inference["body"] == {"label": "churn"}
    assert inference["outputLocation"].startswith("s3://")


def test_slow_job_keeps_its_deadline_and_is_activated_once(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a 5 s model and a 3 s job timeout
    emulator.script(endpoint, latencyMs=5000)
    [key] = control.create_jobs(template_job(endpoint, {"resultVariable": "r"}))
    job = wait_final(control, key, timeout=30)
    # Then the adapter pushed the deadline while it ran: no second activation, one call
    assert job["state"] == "COMPLETED"
    assert len(events(job, "activated")) == 1
    assert len(events(job, "timedOut")) == 0
    assert len(calls_for(control, key, "update")) >= 2
    assert emulator.invocations(endpoint)["count"] == 1


def test_engine_backpressure_on_completion_is_retried_without_stalling_others(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given the engine answers the next 3 completions 503 RESOURCE_EXHAUSTED
    control.fault("completion", 503, "RESOURCE_EXHAUSTED", 3)
    jobs = run(control, *[template_job(endpoint, {"resultVariable": "r"}) for _ in range(6)])
    # Then every job completes, each invoked once
    assert [j["state"] for j in jobs] == ["COMPLETED"] * 6
    assert emulator.invocations(endpoint)["count"] == 6
    assert_nothing_secret_sent(control)


def test_expired_token_is_renewed_once(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    before = control.stats()["tokenRequests"]
    control.revoke_tokens()
    jobs = run(control, *[template_job(endpoint) for _ in range(3)])
    assert [j["state"] for j in jobs] == ["COMPLETED"] * 3
    # One new token for the adapter (not one per call); a concurrent 401 may ask once more.
    assert 1 <= control.stats()["tokenRequests"] - before <= 2


def test_cancelled_instance_is_acknowledged_not_retried(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a job whose process instance is cancelled while the model runs
    emulator.script(endpoint, latencyMs=1500)
    [key] = control.create_jobs(template_job(endpoint))
    wait_final(control, key, timeout=15, states=("ACTIVATED",))
    control.cancel(key)
    emulator.wait_for_invocations(endpoint, 1, timeout_s=10)
    # When its result comes back: one completion call (404), then the next job goes through
    [after] = run(control, template_job(endpoint))
    assert after["state"] == "COMPLETED"
    completions = calls_for(control, key, "completion")
    assert len(completions) == 1
    assert control.job(key)["state"] == "CANCELED"


def test_invalid_job_is_an_incident_without_queueing(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    spec = template_job(endpoint)
    del spec["variables"]["input"]["endpointName"]
    [job] = run(control, spec)
    assert job["incident"].startswith("InvalidJob: ")
    assert "endpointName" in job["incident"]
    assert emulator.invocations(endpoint)["count"] == 0


def test_inline_credentials_and_secrets_never_reach_the_engine(
    adapter: Service, control: Camunda8Control, emulator: EmulatorControl, endpoint: str
) -> None:
    inline_key, inline_secret = "AKIAINLINE0000000001", "inline-secret-value-9876543210"
    emulator.script(
        endpoint, errors={"code": "ModelError", "message": f"echo {inline_secret} back"}
    )
    spec = template_job(endpoint)
    spec["variables"]["authentication"] = {
        "type": "credentials",
        "accessKey": inline_key,
        "secretKey": inline_secret,
    }
    [job] = run(control, spec)
    assert job["incident"].startswith("ModelError: ")
    assert inline_secret not in job["incident"]
    assert_nothing_secret_sent(control, (inline_key, inline_secret, "DE00-not-for-the-queue"))
