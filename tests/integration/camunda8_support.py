"""Helpers shared by the Camunda 8 adapter's integration tests (not fixtures: each test
module starts its own stand-in engine and adapter, since job keys restart per engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.camunda8.control import Camunda8Control
from ops.local import Service
from producer.contract import TASK_TYPE
from tests.integration.engine_support import (  # noqa: F401 - the tests' one import
    adapter_log_events,
    assert_nothing_secret_sent,
    events,
    wait_ended,
)

# A job's retries as activated in errorExpression's job.retries (issue 11, item 6) is being
# changed in the worker refactor; tests relying on it expect the new meaning.
FINAL = ("COMPLETED", "ERROR_THROWN", "CANCELED")


def connector_variables(endpoint: str, **input_fields: Any) -> dict[str, Any]:
    """Variables as Camunda's SageMaker template binds them, plus one it must not fetch."""
    return {
        "authentication": {
            "type": "credentials",
            "accessKey": "{{secrets.AWS_ACCESS_KEY}}",
            "secretKey": "{{secrets.AWS_SECRET_KEY}}",
        },
        "configuration": {"region": "us-east-1", "endpoint": ""},
        "input": {
            "invocationType": "SYNC",
            "endpointName": endpoint,
            "body": {"features": [1, 2, 3]},
            "contentType": "application/json",
            "accept": "application/json",
            **input_fields,
        },
        # A process variable in the task's scope: fetchVariable keeps it out of the job.
        "customerRecord": {"iban": "DE00-not-for-the-queue"},
    }


def template_job(
    endpoint: str, headers: dict[str, str] | None = None, retries: int = 3, **input_fields: Any
) -> dict[str, Any]:
    return {
        "type": TASK_TYPE,
        "variables": connector_variables(endpoint, **input_fields),
        "customHeaders": {
            "elementTemplateId": "io.camunda.connectors.AWSSAGEMAKER.v1",
            "elementTemplateVersion": "5",
            "retryBackoff": "PT0S",
            **(headers or {}),
        },
        "retries": retries,
    }


def adapter_env(
    worker_env: dict[str, str], camunda: Service, *, prefix: str, **knobs: str
) -> dict[str, str]:
    """The adapter's environment: the worker's Redis, the stand-in with OAuth, fast knobs."""
    return {
        **worker_env,
        "CAMUNDA_REST_ADDRESS": camunda.url,
        "CAMUNDA_AUTH_STRATEGY": "OAUTH",
        "CAMUNDA_CLIENT_ID": "smq",
        "CAMUNDA_CLIENT_SECRET": "smq-secret",
        "CAMUNDA_OAUTH_URL": camunda.url + "/oauth/token",
        "SMQ_CAMUNDA_JOB_ID_PREFIX": prefix,
        "SMQ_CAMUNDA_RESULT_STREAM": f"test:c8:{prefix}",
        "SMQ_CAMUNDA_CONSUMER_NAME": f"{prefix}-replica",
        "SMQ_CAMUNDA_POLL_TIMEOUT": "2",
        "SMQ_CAMUNDA_BACKOFF_INITIAL": "0.2",
        "SMQ_CAMUNDA_BACKOFF_MAX": "1",
        "SMQ_CAMUNDA_RESULT_CLAIM_SECONDS": "3",
        **knobs,
    }


def wait_final(
    control: Camunda8Control, key: str, timeout: float = 30.0, states: tuple[str, ...] = FINAL
) -> dict[str, Any]:
    """The job once it reached one of ``states`` (default: ended) — or an incident."""
    return wait_ended(lambda: control.job(key), states, timeout, f"job {key}")


def calls_for(control: Camunda8Control, key: str, operation: str) -> list[dict[str, Any]]:
    return [
        r
        for r in control.requests()["requests"]
        if r["operation"] == operation and r["path"].split("/")[3:4] == [key]
    ]


def workdir(stack_dir: Path, name: str) -> Path:
    return stack_dir / name
