"""Camunda 8 job ↔ queue job, and outcome → request body: pure functions."""

from __future__ import annotations

from typing import Any

from adapters.connector import FETCH_VARIABLES, MAX_RETRIES, inline_secrets
from adapters.engine import ActivatedJob
from adapters.outcome import Outcome

CORRELATION_FIELDS = (
    "jobKey",
    "processInstanceKey",
    "elementId",
    "elementInstanceKey",
    "processDefinitionId",
    "tenantId",
)


def activation_body(
    job_type: str,
    *,
    worker: str,
    timeout_ms: int,
    max_jobs: int,
    request_timeout_ms: int,
    tenant_id: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": job_type,
        "worker": worker,
        "timeout": timeout_ms,
        "maxJobsToActivate": max_jobs,
        # 0 would mean "the gateway's default"; < 0 turns long polling off.
        "requestTimeout": request_timeout_ms if request_timeout_ms > 0 else -1,
        "fetchVariable": FETCH_VARIABLES,
    }
    if tenant_id:
        body["tenantIds"] = [tenant_id]
    return body


def activated_job(job: dict[str, Any]) -> ActivatedJob:
    """One activated engine job as a queue job document (the adapter adds id and replyTo)."""
    variables = job.get("variables") or {}
    retries = int(job["retries"])
    document = {
        "variables": {name: variables[name] for name in FETCH_VARIABLES if name in variables},
        "headers": dict(job.get("customHeaders") or {}),
        "retries": min(retries, MAX_RETRIES),
        "correlation": {name: job[name] for name in CORRELATION_FIELDS if name in job},
    }
    return ActivatedJob(str(job["jobKey"]), retries, document, inline_secrets(variables))


def request_for(outcome: Outcome) -> tuple[str, dict[str, Any]]:
    """(call, body): ``completion``, ``error`` or ``failure`` with exactly what it needs."""
    if outcome.kind == "complete":
        return "completion", {"variables": outcome.variables}
    if outcome.kind == "error":
        body: dict[str, Any] = {
            "errorCode": outcome.error_code or "",
            "errorMessage": outcome.message,
        }
        if outcome.variables:
            body["variables"] = outcome.variables
        return "error", body
    body = {
        "retries": outcome.retries or 0,
        "errorMessage": outcome.message,
        "retryBackOff": outcome.backoff_ms,
    }
    if outcome.variables:
        body["variables"] = outcome.variables
    return "failure", body
