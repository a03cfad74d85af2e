"""The Camunda 7 adapter end to end: a stand-in engine (basic auth, every request validated
against the vendored 7.24 DTOs and the engine's own checks), a real ``smq camunda7`` process,
the worker, the poller, the SageMaker emulator, Redis. Tasks carry the connector's variables
as a modeler's input parameters make them; each test reads the engine's side: what Cockpit
would show."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.camunda7.control import Camunda7Control
from emulator.control import EmulatorControl
from ops.camunda7 import start_adapter7, start_camunda7
from ops.local import Service, start_poller, wait_until
from tests.integration.camunda7_support import (
    TOPIC,
    adapter_env,
    as_variable,
    assert_nothing_secret_sent,
    calls_for,
    events,
    task_spec,
    wait_final,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def camunda(stack_dir: Path) -> Iterator[Service]:
    service = start_camunda7(stack_dir / "camunda7", auth="basic")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def control(camunda: Service) -> Camunda7Control:
    return Camunda7Control(camunda.url)


@pytest.fixture(scope="module")
def poller(stack_dir: Path, worker_env: dict[str, str]) -> Iterator[Service]:
    service = start_poller(stack_dir / "pollers", worker_env, name="c7")
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
    # A 3 s lock: it is extended every second, so any task slower than that exercises it.
    env = adapter_env(worker_env, camunda, prefix="c7it", SMQ_CAMUNDA7_LOCK_DURATION="3")
    service = start_adapter7(stack_dir / "adapters", env, name="adapter-c7")
    yield service
    service.stop()


@pytest.fixture
def endpoint() -> str:
    return f"c7-{uuid.uuid4().hex[:10]}"


def run(control: Camunda7Control, *tasks: dict[str, Any], timeout: float = 30) -> list[dict]:
    ids = control.create_tasks(*tasks)
    return [wait_final(control, task_id, timeout) for task_id in ids]


RESPONSE = {
    "body": {"score": 0.83},
    "contentType": "application/json",
    "customAttributes": None,
    "invokedProductionVariant": "AllTraffic",
}


@pytest.mark.parametrize("form", ["Json", "Object", "String"])
def test_completes_with_the_result_variable_as_json(
    adapter: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    endpoint: str,
    form: str,
) -> None:
    # Given a task whose connector variables are Json, Object (application/json) or String
    emulator.script(endpoint, response={"body": {"score": 0.83}, "contentType": "application/json"})
    [task] = run(control, task_spec(endpoint, {"resultVariable": "prediction"}, form=form))
    # Then the engine completes it with exactly {prediction: response} as a Json variable
    assert task["state"] == "COMPLETED"
    [completed] = events(task, "completed")
    assert completed["variables"] == {"prediction": {"type": "Json", "value": RESPONSE}}
    assert completed["workerId"] == "smq-camunda7"
    assert emulator.invocations(endpoint)["count"] == 1
    fetch = next(r for r in control.requests()["requests"] if r["operation"] == "fetchAndLock")
    body = json.loads(fetch["raw"])
    assert body["workerId"] == "smq-camunda7"
    assert body["asyncResponseTimeout"] == 2000
    assert body["topics"] == [
        {
            "topicName": TOPIC,
            "lockDuration": 3000,
            "variables": ["authentication", "configuration", "input", "awsCredential"],
            "includeExtensionProperties": True,
        }
    ]
    assert fetch["authorization"] == "Basic"
    assert_nothing_secret_sent(control, ("DE00-not-for-the-queue",))


def test_result_expression_gives_typed_variables(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, response={"body": {"predictions": [{"score": 0.4, "n": 7}]}})
    expression = (
        '={score: body.predictions[1].score, n: body.predictions[1].n, ok: true, label: "churn", '
        "top: body.predictions[1], none: null}"
    )
    [task] = run(control, task_spec(endpoint, {"resultExpression": expression}))
    assert events(task, "completed")[0]["variables"] == {
        "score": {"type": "Double", "value": 0.4},
        "n": {"type": "Integer", "value": 7},
        "ok": {"type": "Boolean", "value": True},
        "label": {"type": "String", "value": "churn"},
        "top": {"type": "Json", "value": {"score": 0.4, "n": 7}},
        "none": {"type": "Null", "value": None},
    }


def test_bpmn_error_from_error_expression(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, errors={"code": "ModelError", "message": "bad shape"})
    expression = (
        '=if error.code = "ModelError" then bpmnError("MODEL_REJECTED", error.message, '
        "{reason: error.code}) else null"
    )
    [task] = run(control, task_spec(endpoint, {"errorExpression": expression}))
    assert task["state"] == "BPMN_ERROR"
    [thrown] = events(task, "bpmnError")
    assert thrown["errorCode"] == "MODEL_REJECTED"
    assert "bad shape" in thrown["errorMessage"]
    assert thrown["variables"] == {"reason": {"type": "String", "value": "ModelError"}}
    assert emulator.invocations(endpoint)["count"] == 1


def test_job_error_walks_the_retries_down_to_an_incident_one_invocation_per_fetch(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given Camunda's documented pattern, and a task fetched first with retries null
    emulator.script(endpoint, errors={"code": "ModelError"})
    expression = (
        '=if error != null then jobError("model failed", {}, job.retries - 1, @"PT0.2S") else null'
    )
    [task] = run(control, task_spec(endpoint, {"errorExpression": expression}, retries="3"))
    # Then: fetched with null (the retries property's 3), 2, 1; failures 2, 1, 0; an incident
    assert task["incident"] == "model failed"
    assert [f["retries"] for f in events(task, "failed")] == [2, 1, 0]
    assert [f["retryTimeout"] for f in events(task, "failed")] == [200, 200, 200]
    assert [f["retries"] for f in events(task, "locked")] == [None, 2, 1]
    assert emulator.invocations(endpoint)["count"] == 3  # one per fetch


def test_model_error_is_an_incident_with_a_short_message_and_full_details(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a model whose error message is far longer than the engine keeps
    original = "tensor shape mismatch; " * 150
    emulator.script(
        endpoint,
        errors={
            "code": "ModelError",
            "originalStatusCode": 400,
            "originalMessage": original,
            "logStreamArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/x",
        },
    )
    [task] = run(control, task_spec(endpoint, retries="3"))
    # Then an incident after one invocation: errorMessage within 666 characters, details whole
    assert task["state"] == "OPEN" and task["retries"] == 0
    [failed] = events(task, "failed")
    assert failed["retries"] == 0
    assert failed["errorMessage"].startswith("ModelError: Received server error (400)")
    assert len(failed["errorMessage"]) == 666 and failed["errorMessage"].endswith("…")
    assert task["incident"] == failed["errorMessage"]
    details = failed["errorDetails"]
    assert original.strip() in details
    assert '"LogStreamArn": "arn:aws:logs:us-east-1:123456789012' in details
    assert '"OriginalStatusCode": 400' in details
    assert "retryable: false" in details
    assert len(events(task, "locked")) == 1
    assert emulator.invocations(endpoint)["count"] == 1


def test_retryable_error_then_success_completes_within_one_lock(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    emulator.script(endpoint, errors={"code": "ServiceUnavailable", "count": 1})
    [task] = run(control, task_spec(endpoint, {"resultVariable": "r"}))
    assert task["state"] == "COMPLETED"
    assert len(events(task, "locked")) == 1
    assert emulator.invocations(endpoint)["count"] == 2


def test_async_job_completes_with_its_output(
    adapter: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    endpoint: str,
    s3: Any,  # creates the staging bucket the inline body goes to
) -> None:
    emulator.script(endpoint, response={"body": {"label": "churn"}}, async_={"delayMs": 4000})
    spec = task_spec(endpoint, {"resultVariable": "inference"}, invocationType="ASYNC")
    [task_id] = control.create_tasks(spec)
    task = wait_final(control, task_id, timeout=45)
    assert task["state"] == "COMPLETED", task["incident"]
    inference = events(task, "completed")[0]["variables"]["inference"]
    assert inference["type"] == "Json"
    assert inference["value"]["body"] == {"label": "churn"}
    assert inference["value"]["outputLocation"].startswith("s3://")
    # The 4 s inference outlived the 3 s lock: extended, never fetched again
    assert len(events(task, "locked")) == 1
    assert len(events(task, "lockExtended")) >= 2


def test_slow_task_keeps_its_lock_and_is_fetched_once(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a 5 s model and a 3 s lock
    emulator.script(endpoint, latencyMs=5000)
    [task_id] = control.create_tasks(task_spec(endpoint, {"resultVariable": "r"}))
    task = wait_final(control, task_id, timeout=30)
    # Then the adapter extended the lock while it ran: one fetch, one call
    assert task["state"] == "COMPLETED"
    assert len(events(task, "locked")) == 1
    assert len(events(task, "lockExpired")) == 0
    extensions = calls_for(control, task_id, "extendLock")
    assert len(extensions) >= 2
    assert {json.loads(c["raw"])["newDuration"] for c in extensions} == {3000}
    assert emulator.invocations(endpoint)["count"] == 1


def test_task_deleted_mid_flight_is_acknowledged_without_a_stall(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given a task whose process instance is deleted while the model runs
    emulator.script(endpoint, latencyMs=2500)
    [task_id] = control.create_tasks(task_spec(endpoint))
    wait_until(lambda: control.task(task_id)["fetches"] == 1, 15, "the task fetched")
    control.delete(task_id)
    emulator.wait_for_invocations(endpoint, 1, timeout_s=10)
    # When its result comes back: one completion (404), never repeated; the next task runs
    wait_until(lambda: calls_for(control, task_id, "complete"), 20, "the completion call")
    [after] = run(control, task_spec(endpoint))
    assert after["state"] == "COMPLETED"
    assert len(calls_for(control, task_id, "complete")) == 1
    assert control.task(task_id)["state"] == "DELETED"


def test_lock_held_by_another_worker_is_acknowledged_not_retried(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given the engine answers the next completion as for a lock another worker holds
    message = "External Task x cannot be completed by worker 'smq-camunda7'. It is locked by "
    control.fault("complete", 400, 1, kind="RestException", message=message + "worker 'other'.")
    [task_id] = control.create_tasks(task_spec(endpoint))
    wait_until(lambda: calls_for(control, task_id, "complete"), 20, "the completion call")
    # Then that one call is all: no retry, no incident reported in its place
    [after] = run(control, task_spec(endpoint))
    assert after["state"] == "COMPLETED"
    assert len(calls_for(control, task_id, "complete")) == 1
    assert calls_for(control, task_id, "failure") == []


def test_engine_errors_on_completion_are_retried_without_stalling_others(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    # Given the engine answers the next 3 completions 500 (a database hiccup)
    control.fault("complete", 500, 3, message="OptimisticLockingException")
    tasks = run(control, *[task_spec(endpoint, {"resultVariable": "r"}) for _ in range(6)])
    # Then every task completes, each invoked once
    assert [t["state"] for t in tasks] == ["COMPLETED"] * 6
    assert emulator.invocations(endpoint)["count"] == 6
    assert_nothing_secret_sent(control)


JAVA_SERIALIZED = {
    "type": "Object",
    "value": "rO0ABXNyABdqYXZh",
    "valueInfo": {
        "serializationDataFormat": "application/x-java-serialized-object",
        "objectTypeName": "java.util.HashMap",
    },
}
UNREADABLE = [
    ({"type": "String", "value": "endpointName=churn"}, "'input' (String) does not hold JSON"),
    (JAVA_SERIALIZED, "'input' is an Object serialized as application/x-java-serialized-object"),
    ({"type": "Integer", "value": 5}, "variable 'input' has type Integer"),
]


@pytest.mark.parametrize(("variable", "says"), UNREADABLE)
def test_unreadable_variable_is_an_incident_without_queueing(
    adapter: Service,
    control: Camunda7Control,
    emulator: EmulatorControl,
    endpoint: str,
    variable: dict[str, Any],
    says: str,
) -> None:
    spec = task_spec(endpoint)
    spec["variables"]["input"] = variable
    [task] = run(control, spec)
    assert task["incident"].startswith("InvalidJob: ")
    assert says in task["incident"]
    assert emulator.invocations(endpoint)["count"] == 0


def test_invalid_job_is_an_incident_naming_the_field(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    spec = task_spec(endpoint)
    values = json.loads(spec["variables"]["input"]["value"])
    del values["endpointName"]
    spec["variables"]["input"] = as_variable(values, "Json")
    [task] = run(control, spec)
    assert task["incident"].startswith("InvalidJob: ")
    assert "endpointName" in task["incident"]
    assert emulator.invocations(endpoint)["count"] == 0


def test_inline_credentials_and_secrets_never_reach_the_engine(
    adapter: Service, control: Camunda7Control, emulator: EmulatorControl, endpoint: str
) -> None:
    inline_key, inline_secret = "AKIAINLINE0000000001", "inline-secret-value-9876543210"
    emulator.script(
        endpoint, errors={"code": "ModelError", "message": f"echo {inline_secret} back"}
    )
    spec = task_spec(endpoint)
    spec["variables"]["authentication"] = as_variable(
        {"type": "credentials", "accessKey": inline_key, "secretKey": inline_secret}, "String"
    )
    [task] = run(control, spec)
    assert task["incident"].startswith("ModelError: ")
    assert inline_secret not in task["incident"]
    assert inline_secret not in (task["errorDetails"] or "")
    assert_nothing_secret_sent(control, (inline_key, inline_secret, "DE00-not-for-the-queue"))


def test_tenant_filter_fetches_only_the_named_tenants_tasks(
    stack_dir: Path,
    worker: Service,
    camunda: Service,
    control: Camunda7Control,
    worker_env: dict[str, str],
    emulator: EmulatorControl,
    endpoint: str,
) -> None:
    # Given an adapter for tenant t1 only, on a topic of its own
    topic = f"tenants-{endpoint}"
    env = adapter_env(worker_env, camunda, prefix="c7tenant", SMQ_CAMUNDA7_TOPICS=topic,
                      SMQ_CAMUNDA7_TENANT_IDS="t1")  # fmt: skip
    tenant_adapter = start_adapter7(stack_dir / "adapters", env, name="adapter-c7-tenant")
    try:
        spec = {**task_spec(endpoint, {"resultVariable": "r"}), "topicName": topic}
        ids = control.create_tasks({**spec, "tenantId": "t1"}, {**spec, "tenantId": "t2"}, spec)
        # Then t1's task completes, and the others are never fetched
        assert wait_final(control, ids[0])["state"] == "COMPLETED"
        others = [control.task(task_id) for task_id in ids[1:]]
    finally:
        tenant_adapter.stop()
    assert [(t["state"], t["fetches"]) for t in others] == [("OPEN", 0), ("OPEN", 0)]
    fetch = next(
        json.loads(r["raw"])
        for r in control.requests()["requests"]
        if r["operation"] == "fetchAndLock" and topic in r["raw"]
    )
    assert fetch["topics"][0]["tenantIdIn"] == ["t1"]
