"""Posting results: one stream entry per job, written together with the job's final state."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from producer.connection import LuaScript, RedisClient
from producer.contract import ErrorInfo, JobContext, Result
from producer.errors import SmqError
from producer.keys import JobField, job_key
from worker import expressions, metrics
from worker.secrets import Redactor
from worker.settings import WorkerSettings

_POST = LuaScript.beside(__file__, "post_result.lua")
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


def answer_unrun(
    redis: RedisClient, settings: WorkerSettings, job_ids: Sequence[str], error: SmqError
) -> None:
    """A failed result for each job that will not run (its message unreadable, or revoked),
    on the job's own stream: the reply streams read in one round trip, posted in another."""
    with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hget(job_key(job_id), JobField.REPLY_TO)
        replies = pipe.execute()
    post_many(
        redis,
        settings,
        [
            (failed(job_id, error, redactor=Redactor()), as_text(reply) or settings.result_stream)
            for job_id, reply in zip(job_ids, replies, strict=True)
        ],
    )


def as_text(value: Any) -> Any:
    """A Redis answer as text (kombu's clients answer bytes)."""
    return value.decode() if isinstance(value, bytes) else value


def post(redis: RedisClient, settings: WorkerSettings, result: Result, stream: str) -> str | None:
    """Post ``result`` unless the job is already done; returns the entry id or None."""
    return post_many(redis, settings, [(result, stream)])[0]


def post_many(
    redis: RedisClient, settings: WorkerSettings, items: list[tuple[Result, str]]
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
    entries = _POST.run_many(redis, calls)
    metrics.results_posted(
        result.status for (result, _), e in zip(items, entries, strict=True) if e
    )
    return [str(e) if e else None for e in entries]


class GroupPoster:
    """Posts results from many threads in as few round trips as possible (group commit).

    A thread with a result queues it. If no post is under way it leads: it posts everything
    queued, its own result included, in one pipelined round trip, then hands the lead to the
    first result queued meanwhile. A lone result is posted at once, so light load keeps its
    latency; under load one round trip carries many results. Each caller returns once its
    own result is posted (or raises what posting it raised), as ``post`` does.
    """

    def __init__(self, redis: RedisClient, settings: WorkerSettings) -> None:
        self._redis = redis
        self._settings = settings
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._busy = False

    def post(self, result: Result, stream: str) -> str | None:
        return self.post_many([(result, stream)])[0]

    def post_many(self, items: list[tuple[Result, str]]) -> list[str | None]:
        """Several results of one thread: queued together, so posted in the same batch."""
        mine = [_Queued(result, stream) for result, stream in items]
        first = mine[0]
        with self._lock:
            self._queue.extend(mine)
            lead = not self._busy
            self._busy = True
        if not lead:
            first.done.wait()  # posted with the rest of mine, or handed the lead with them
        if lead or first.lead:
            self._post_queued()
        for queued in mine:
            if queued.error is not None:
                raise queued.error
        return [queued.entry for queued in mine]

    def _post_queued(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            entries = post_many(self._redis, self._settings, [(q.result, q.stream) for q in batch])
            for queued, entry in zip(batch, entries, strict=True):
                queued.entry = entry
        except BaseException as exc:
            # Even an interrupt must answer every waiter and pass the lead on, or posting
            # would stop for the whole process. A connection error makes the task requeue.
            error = exc if isinstance(exc, Exception) else RedisConnectionError(repr(exc))
            for queued in batch:
                queued.error = error
            if not isinstance(exc, Exception):
                raise
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._busy = successor is not None
            if successor is not None:
                successor.lead = True
                successor.done.set()
            for queued in batch:
                queued.done.set()


class _Queued:
    __slots__ = ("done", "entry", "error", "lead", "result", "stream")

    def __init__(self, result: Result, stream: str) -> None:
        self.result = result
        self.stream = stream
        self.done = threading.Event()
        self.lead = False  # set with done: post the queue now, then return
        self.entry: str | None = None
        self.error: Exception | None = None
