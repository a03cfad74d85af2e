"""What a finished (or abandoned) asynchronous inference becomes: one result."""

from __future__ import annotations

import json
from typing import Any

from producer.contract import JobContext, Result
from producer.errors import PermanentError, SmqError
from worker import expressions, publish
from worker.poller.pending import Pending
from worker.retry import retries_as_activated
from worker.sagemaker.payload import decode_body
from worker.secrets import Redactor

FAILURE_MESSAGE_CAP = publish.MAX_ERROR_MESSAGE


def job_of(pending: Pending) -> JobContext:
    return JobContext.model_validate_json(pending.context)


def output_result(
    pending: Pending, body: bytes | None, content_type: str | None, size: int
) -> Result:
    """A completed result with the output parsed like a real-time body (None above the cap)."""
    job = job_of(pending)
    response: dict[str, Any] = {
        **pending.started.response(),
        "body": decode_body(body, content_type) if body is not None else None,
        "contentType": content_type,
    }
    if body is None:
        response["bodyOmitted"] = f"output is {size} bytes, above SMQ_ASYNC_MAX_OUTPUT_BYTES"
    return publish.completed(job, response, pending.attempts)


def failure_result(pending: Pending, message: str) -> Result:
    error = PermanentError(
        message[:FAILURE_MESSAGE_CAP] or "the asynchronous inference failed",
        code="AsyncInferenceFailed",
        details=pending.started.response(),
    )
    return failed(pending, error)


def timeout_result(pending: Pending) -> Result:
    error = PermanentError(
        "no output or failure object by the deadline (request TTL + invocation timeout + "
        f"SMQ_ASYNC_DEADLINE_MARGIN); last looked at {pending.started.output_location}",
        code="AsyncInferenceTimeout",
        details=pending.started.response(),
    )
    return failed(pending, error)


def failed(pending: Pending, error: SmqError) -> Result:
    correlation: Any = None
    try:
        correlation = json.loads(pending.context).get("correlation")
    except (ValueError, AttributeError):
        correlation = None
    return publish.failed(
        pending.job_id,
        error,
        redactor=Redactor(),
        correlation=correlation if isinstance(correlation, dict) else None,
        attempts=pending.attempts,
    )


def decided(pending: Pending, result: Result) -> Result:
    """The job's ``errorExpression`` applied to the final outcome (async failures are not
    retried by the queue; ``job.retries`` is still the job's retries as this attempt began)."""
    try:
        job = job_of(pending)
        retries = retries_as_activated(job, pending.attempts)
        return expressions.error_verdict(job, result, retries) or result
    except SmqError as exc:
        return failed(pending, exc)
    except ValueError:
        return result  # the stored job cannot be read: the result stands as it is
