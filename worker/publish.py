"""Posting results: one stream entry per job, written together with the job's final state."""

from __future__ import annotations

import time
from typing import Any

from producer.connection import LuaScript, RedisClient
from producer.contract import ErrorInfo, JobContext, Result
from producer.errors import SmqError
from producer.keys import POST_RESULT_LUA, job_key
from producer.settings import Settings
from worker import expressions
from worker.secrets import Redactor

_POST = LuaScript(POST_RESULT_LUA)
# Camunda cuts error messages at 6,000 characters; engines store them in incidents.
MAX_ERROR_MESSAGE = 6000


def completed(job: JobContext, response: dict[str, Any], attempts: int) -> Result:
    """A completed result; its variables from ``resultVariable`` and ``resultExpression``."""
    return Result(
        id=job.id,
        status="completed",
        response=response,
        variables=expressions.result_variables(job, response),
        correlation=job.correlation,
        attempts=attempts,
    )


def failed(
    job_id: str,
    error: SmqError,
    *,
    redactor: Redactor,
    correlation: dict[str, Any] | None = None,
    attempts: int = 0,
) -> Result:
    return Result(
        id=job_id,
        status="failed",
        error=error_info(error, redactor),
        correlation=correlation or {},
        attempts=attempts,
    )


def error_info(error: SmqError, redactor: Redactor) -> ErrorInfo:
    """The result's ``error``: secrets masked, message capped."""
    details = {k: redactor(v) if isinstance(v, str) else v for k, v in error.details.items()}
    return ErrorInfo(
        type=error.kind,
        code=error.code,
        message=redactor(error.message)[:MAX_ERROR_MESSAGE],
        retryable=error.retryable,
        details=details,
    )


def post(redis: RedisClient, settings: Settings, result: Result, stream: str) -> str | None:
    """Post ``result`` unless the job is already done; returns the entry id or None."""
    return post_many(redis, settings, [(result, stream)])[0]


def post_many(
    redis: RedisClient, settings: Settings, items: list[tuple[Result, str]]
) -> list[str | None]:
    """Post several results in one pipelined round trip (the poller finishes many at once)."""
    now = repr(time.time())
    calls = [
        (
            [job_key(result.id), stream],
            [
                result.model_dump_json(by_alias=True),
                result.status,
                now,
                settings.result_stream_maxlen,
                settings.job_ttl_seconds,
                result.id,
            ],
        )
        for result, stream in items
    ]
    entries = _POST.run_many(redis, calls) if len(calls) > 1 else [_POST(redis, *calls[0])]
    return [str(e) if e else None for e in entries]
