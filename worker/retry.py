"""Retries as values: whether a failed attempt is retried, when, and the queue doing the wait.

A retryable failure schedules the job's next message in a Redis sorted set; every worker
runs a small thread that moves due messages onto the queue atomically. No Celery countdown
holds the wait (see ``RETRY_DUE``), so any backoff length is safe and a worker restart loses
nothing.
"""

from __future__ import annotations

import random
import threading
import time

import structlog

from producer.connection import LuaScript, RedisClient
from producer.contract import Job, JobContext
from producer.envelope import task_message
from producer.keys import (
    JOB_PREFIX,
    QUEUED,
    RETRY_DUE,
    JobField,
    JobState,
    job_key,
)
from worker.settings import WorkerSettings

log = structlog.get_logger("worker.retry")
_MOVE = LuaScript.beside(__file__, "move_due_retries.lua")
_CLAIM_STALE = LuaScript.beside(__file__, "claim_stale.lua")
_STALE_EVERY = 20  # retry-scan ticks between looks for lost messages (5 s by default)


def max_attempts(job: Job) -> int:
    """``retries`` counts attempts, as a Zeebe job's retries do (3 → up to 3 calls)."""
    return max(1, job.retries)


def retries_as_activated(job: JobContext, attempt: int) -> int:
    """``job.retries`` in ``errorExpression``: the retries the job had as this attempt began.

    Camunda's meaning — a job's retries as activated — so its documented
    ``jobError(msg, {}, job.retries - 1, ...)`` counts down the same way here. An engine
    adapter's job arrives with the engine job's retries; each earlier attempt the queue
    made itself counts one off (a queue-only job: the attempts left, this one included).
    """
    return max(0, job.retries - (attempt - 1))


def retry_delay(job: Job, attempt: int, settings: WorkerSettings) -> float:
    """The job's ``retryBackoff`` when set; else doubling from the initial delay to the cap,
    jittered ±20% so a throttling storm's victims do not return together."""
    if job.headers.retry_backoff is not None:
        return job.headers.retry_backoff.total_seconds()
    base = min(settings.retry_backoff_max, settings.retry_backoff_initial * 2.0 ** (attempt - 1))
    return base * random.uniform(0.8, 1.2)


def schedule(
    redis: RedisClient, settings: WorkerSettings, job_id: str, delay: float, code: str
) -> None:
    """Park the job's next attempt; one MULTI so its state and its message agree."""
    due = time.time() + delay
    with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            job_key(job_id),
            mapping={
                JobField.STATE: JobState.RETRYING,
                JobField.LAST_ERROR: code,
                JobField.NEXT_ATTEMPT_AT: repr(due),
            },
        )
        pipe.zadd(RETRY_DUE, {task_message(job_id, settings.queue): due})
        pipe.execute()


def move_due(redis: RedisClient, settings: WorkerSettings, limit: int = 1000) -> int:
    return int(_MOVE(redis, [RETRY_DUE, settings.queue, QUEUED], [time.time(), limit]))


def requeue_stale(redis: RedisClient, settings: WorkerSettings, limit: int = 500) -> int:
    """Queue again the jobs whose message seems lost (queued a visibility timeout ago and
    never started); a duplicate is harmless, the job's state turns it into a no-op."""
    now = time.time()
    ids = _CLAIM_STALE(
        redis, [QUEUED, settings.queue], [now - settings.visibility_timeout, now, limit, JOB_PREFIX]
    )
    if ids:
        with redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.lpush(settings.queue, task_message(str(job_id), settings.queue))
            pipe.execute()
        log.warning("stale_jobs_requeued", count=len(ids))
    return len(ids)


class RetryMover(threading.Thread):
    """The per-worker thread that puts due retries back on the queue."""

    def __init__(self, redis: RedisClient, settings: WorkerSettings) -> None:
        super().__init__(name="smq-retry-mover", daemon=True)
        self._redis = redis
        self._settings = settings
        self._stopping = threading.Event()  # not _stop: that name is threading.Thread's own

    def run(self) -> None:
        ticks = 0
        while not self._stopping.wait(self._settings.retry_scan_interval):
            ticks += 1
            try:
                moved = move_due(self._redis, self._settings)
                if moved:
                    log.debug("retries_queued", count=moved)
                if ticks % _STALE_EVERY == 0:
                    requeue_stale(self._redis, self._settings)
            except Exception:  # Redis away: try again next tick, never die
                log.warning("retry_mover_failed", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()
