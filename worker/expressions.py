"""The connector's ``resultExpression`` and ``errorExpression`` headers, in FEEL.

``resultExpression`` maps a response to process variables. ``errorExpression`` sees every
attempt's outcome (the response, or ``error``) plus ``job.retries`` and may turn it into a
BPMN error, a job error with its own retries, or an ignored error; null keeps the default.
A bad expression is the job's fault: an input error, never a worker crash.
"""

from __future__ import annotations

from typing import Any

from feel import FeelError, compile_expression, to_json
from producer.contract import ErrorInfo, JobContext, Result
from producer.errors import InputError


def result_variables(job: JobContext, response: dict[str, Any]) -> dict[str, Any]:
    """``{resultVariable: response}`` merged with the entries of ``resultExpression``."""
    headers = job.headers
    variables = {headers.result_variable: response} if headers.result_variable else {}
    if headers.result_expression:
        value = _evaluate(headers.result_expression, {**response, "response": response})
        if value is None:
            return variables
        if not isinstance(value, dict):
            raise InputError(
                f"resultExpression must yield a context, got {type(value).__name__}",
                code="InvalidExpression",
            )
        variables.update(value)
    return variables


def error_verdict(job: JobContext, result: Result, retries: int) -> Result | None:
    """``result`` as the job's ``errorExpression`` decides; None when it has none or the
    expression yields null (the default handling stands). ``retries`` is ``job.retries``."""
    expression = job.headers.error_expression
    if not expression:
        return None
    context: dict[str, Any] = {"job": {"retries": retries}}
    if result.error is None:
        response = result.response or {}
        context.update({**response, "response": response})
    else:
        context["error"] = {
            "type": result.error.type,
            "code": result.error.code,
            "message": result.error.message,
            "variables": result.variables,
        }
    decision = _evaluate(expression, context)
    if not isinstance(decision, dict) or "errorType" not in decision:
        return None
    return _decided(result, decision)


def _decided(result: Result, decision: dict[str, Any]) -> Result:
    kind = decision["errorType"]
    variables = decision.get("variables") or {}
    if kind == "ignoreError":
        return result.model_copy(
            update={"status": "completed", "error": None, "variables": variables}
        )
    if kind == "bpmnError":
        error = ErrorInfo(
            type="bpmnError",
            code=str(decision.get("code")),
            message=str(decision.get("message") or ""),
            retryable=False,
        )
        return result.model_copy(
            update={"status": "bpmnError", "error": error, "variables": variables}
        )
    retries = decision.get("retries")
    error = ErrorInfo(
        type="jobError",
        code=result.error.code if result.error else "JobError",
        message=str(decision.get("message") or ""),
        retryable=bool(retries),
        retries=int(retries) if retries is not None else None,
        retry_backoff=decision.get("retryBackoff"),
    )
    return result.model_copy(update={"status": "failed", "error": error, "variables": variables})


def _evaluate(text: str, context: dict[str, Any]) -> Any:
    """Evaluate and convert back to JSON; a FEEL error is the job's input error (no retry)."""
    try:
        return to_json(compile_expression(text).evaluate(context))
    except FeelError as exc:
        raise InputError(exc.message, code=exc.code, details=exc.details) from exc
