"""Helpers shared by the Camunda 7 adapter's integration tests (not fixtures: each test module
starts its own stand-in engine and adapter)."""

from __future__ import annotations

import json
from typing import Any

from emulator.camunda7.control import Camunda7Control
from ops.local import Service
from tests.integration.engine_support import (  # noqa: F401 - the tests' one import
    adapter_log_events,
    assert_nothing_secret_sent,
    events,
    wait_ended,
)

FINAL = ("COMPLETED", "BPMN_ERROR", "DELETED")
TOPIC = "aws-sagemaker"
OBJECT_INFO = {
    "objectTypeName": "java.util.LinkedHashMap<java.lang.String,java.lang.Object>",
    "serializationDataFormat": "application/json",
}


def as_variable(value: Any, form: str) -> dict[str, Any]:
    """A JSON value as the engine hands it out in a form a modeler's input parameter makes."""
    text = json.dumps(value)
    if form == "Json":
        return {"type": "Json", "value": text, "valueInfo": {}}
    if form == "Object":
        return {"type": "Object", "value": text, "valueInfo": OBJECT_INFO}
    assert form == "String"
    return {"type": "String", "value": text, "valueInfo": {}}


def connector_values(endpoint: str, **input_fields: Any) -> dict[str, Any]:
    return {
        "authentication": {
            "type": "credentials",
            "accessKey": "{{secrets.AWS_ACCESS_KEY}}",
            "secretKey": "{{secrets.AWS_SECRET_KEY}}",
        },
        "configuration": {"region": "us-east-1"},
        "input": {
            "invocationType": "SYNC",
            "endpointName": endpoint,
            "body": {"features": [1, 2, 3]},
            "contentType": "application/json",
            "accept": "application/json",
            **input_fields,
        },
    }


def task_spec(
    endpoint: str,
    properties: dict[str, str] | None = None,
    *,
    form: str = "Json",
    retries: str | None = None,
    **input_fields: Any,
) -> dict[str, Any]:
    """An external task of topic aws-sagemaker with the connector's variables in ``form``,
    the activity's extension properties, and a process variable it must not fetch."""
    values = connector_values(endpoint, **input_fields)
    typed = {name: as_variable(value, form) for name, value in values.items()}
    typed["customerRecord"] = as_variable({"iban": "DE00-not-for-the-queue"}, "Json")
    props = {"retryBackoff": "PT0S", **(properties or {})}
    if retries is not None:
        props["retries"] = retries
    return {
        "topicName": TOPIC,
        "variables": typed,
        "extensionProperties": props,
        "businessKey": "order-42",
        "activityId": "ScoreCustomer",
    }


def adapter_env(
    worker_env: dict[str, str], camunda: Service, *, prefix: str, **knobs: str
) -> dict[str, str]:
    """The adapter's environment: the worker's Redis, the stand-in with basic auth, fast knobs."""
    return {
        **worker_env,
        "SMQ_CAMUNDA7_URL": camunda.url + "/engine-rest",
        "SMQ_CAMUNDA7_USERNAME": "demo",
        "SMQ_CAMUNDA7_PASSWORD": "demo",
        "SMQ_CAMUNDA7_JOB_ID_PREFIX": prefix,
        "SMQ_CAMUNDA7_RESULT_STREAM": f"test:c7:{prefix}",
        "SMQ_CAMUNDA7_CONSUMER_NAME": f"{prefix}-replica",
        "SMQ_CAMUNDA7_POLL_TIMEOUT": "2",
        "SMQ_CAMUNDA7_BACKOFF_INITIAL": "0.2",
        "SMQ_CAMUNDA7_BACKOFF_MAX": "1",
        "SMQ_CAMUNDA7_RESULT_CLAIM_SECONDS": "3",
        **knobs,
    }


def wait_final(
    control: Camunda7Control, task_id: str, timeout: float = 30.0, states: tuple[str, ...] = FINAL
) -> dict[str, Any]:
    """The task once it reached one of ``states`` (default: ended) — or an incident."""
    return wait_ended(lambda: control.task(task_id), states, timeout, f"task {task_id}")


def calls_for(control: Camunda7Control, task_id: str, operation: str) -> list[dict[str, Any]]:
    return [
        r
        for r in control.requests()["requests"]
        if r["operation"] == operation and f"/external-task/{task_id}/" in r["path"]
    ]
