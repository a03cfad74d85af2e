"""The error functions of Camunda's outbound connectors, used in ``errorExpression``.

Each builds the context the connector runtime reads to decide what to do with the job:
throw a BPMN error, fail the job (with retries and a backoff), or ignore the failure.
``errorType`` tells them apart; a missing ``variables`` is an empty context.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from feel.functions.registry import builtin


@builtin("bpmnError", "code: string", "message: string", "variables?: context|null")
def bpmn_error(code: str, message: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "errorType": "bpmnError",
        "code": code,
        "message": message,
        "variables": variables or {},
    }


@builtin(
    "jobError",
    "message: string",
    "variables?: context|null",
    "retries?: number|null",
    "retryBackoff?: days and time duration|null",
)
def job_error(
    message: str,
    variables: dict[str, Any] | None = None,
    retries: Decimal | None = None,
    retryBackoff: timedelta | None = None,
) -> dict[str, Any] | None:
    if retries is not None and (retries < 0 or retries != retries.to_integral_value()):
        return None
    return {
        "errorType": "jobError",
        "message": message,
        "variables": variables or {},
        "retries": retries,
        "retryBackoff": retryBackoff,
    }


@builtin("ignoreError", "variables?: context|null")
def ignore_error(variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"errorType": "ignoreError", "variables": variables or {}}
