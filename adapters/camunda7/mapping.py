"""Camunda 7 external task ↔ queue job, and outcome → request body: pure functions."""

from __future__ import annotations

from typing import Any

from adapters.camunda7 import variables
from adapters.connector import FETCH_VARIABLES, MAX_RETRIES, inline_secrets
from adapters.engine import ActivatedJob
from adapters.outcome import Outcome

# The correlation a result carries back: the task and where it sits in the process.
CORRELATION_FIELDS = ("processInstanceId", "activityId", "businessKey", "topicName", "tenantId")
KEY_FIELD = "externalTaskId"
# The extension property a modeler sets the task's first retries with (Camunda 8 has them on
# the task definition; a Camunda 7 task fetched for the first time has ``retries: null``).
RETRIES_PROPERTY = "retries"
# ExternalTaskEntity.MAX_EXCEPTION_MESSAGE_LENGTH: the engine keeps this much of errorMessage,
# counted in UTF-16 code units (Java's String length).
MAX_ERROR_MESSAGE = 666
_ELLIPSIS = "…"


def fetch_body(
    topics: list[str],
    *,
    worker_id: str,
    max_tasks: int,
    lock_ms: int,
    poll_ms: int,
    tenant_ids: list[str] | None = None,
) -> dict[str, Any]:
    tenants = {"tenantIdIn": tenant_ids} if tenant_ids else {}
    body: dict[str, Any] = {
        "workerId": worker_id,
        "maxTasks": max_tasks,
        "topics": [
            {
                "topicName": topic,
                "lockDuration": lock_ms,
                "variables": FETCH_VARIABLES,
                "includeExtensionProperties": True,
                **tenants,
            }
            for topic in topics
        ],
    }
    if poll_ms > 0:  # absent: answer at once
        body["asyncResponseTimeout"] = poll_ms
    return body


def activated_job(task: dict[str, Any], default_retries: int) -> ActivatedJob:
    """One locked task as a queue job document (the adapter adds id and replyTo), or an
    invalid one saying why it cannot be."""
    task_id = str(task["id"])
    properties = dict(task.get("extensionProperties") or {})
    problems: list[str] = []
    retries = task.get("retries")
    if retries is None:
        retries, problem = _first_retries(properties.get(RETRIES_PROPERTY), default_retries)
        problems += [problem] if problem else []
    fetched = task.get("variables") or {}
    values: dict[str, Any] = {}
    for name in FETCH_VARIABLES:
        if name not in fetched:
            continue
        try:
            value = variables.read(name, fetched[name])
        except variables.VariableProblem as exc:
            problems.append(str(exc))
            continue
        if value is not None:
            values[name] = value
    properties.pop(RETRIES_PROPERTY, None)
    correlation = {KEY_FIELD: task_id}
    correlation.update({k: task[k] for k in CORRELATION_FIELDS if task.get(k) is not None})
    document = {
        "variables": values,
        "headers": properties,
        "retries": min(int(retries), MAX_RETRIES),
        "correlation": correlation,
    }
    invalid = "; ".join(problems) or None
    return ActivatedJob(task_id, int(retries), document, inline_secrets(values), invalid)


def _first_retries(text: str | None, default: int) -> tuple[int, str | None]:
    if text is None or not text.strip():
        return default, None
    try:
        retries = int(text.strip())
    except ValueError:
        retries = -1
    if not 0 <= retries <= MAX_RETRIES:
        return (
            default,
            f"extension property retries must be a whole number from 0 to 100, got {text!r}",
        )
    return retries, None


def request_for(outcome: Outcome, worker_id: str) -> tuple[str, dict[str, Any]]:
    """(call, body): ``complete``, ``bpmnError`` or ``failure`` with exactly what it needs."""
    body: dict[str, Any] = {"workerId": worker_id}
    if outcome.variables:
        body["variables"] = variables.typed_all(outcome.variables)
    if outcome.kind == "complete":
        return "complete", body
    if outcome.kind == "error":
        return "bpmnError", {
            **body,
            "errorCode": outcome.error_code or "",
            "errorMessage": outcome.message,
        }
    return "failure", {
        **body,
        "errorMessage": short_message(outcome.message),
        "errorDetails": outcome.details or outcome.message,
        "retries": outcome.retries or 0,
        "retryTimeout": outcome.backoff_ms,
    }


def short_message(text: str, limit: int = MAX_ERROR_MESSAGE) -> str:
    """``text`` within ``limit`` UTF-16 code units, ending in … when cut (the engine would cut
    it silently, mid-word)."""
    encoded = text.encode("utf-16-le")
    if len(encoded) <= limit * 2:
        return text
    return encoded[: (limit - 1) * 2].decode("utf-16-le", "ignore") + _ELLIPSIS
