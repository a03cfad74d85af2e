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
from producer.contract import Job
from producer.envelope import task_message
from producer.keys import MOVE_DUE_RETRIES_LUA, RETRY_DUE, JobField, JobState, job_key
from producer.settings import Settings

log = structlog.get_logger("worker.retry")
_MOVE = LuaScript(MOVE_DUE_RETRIES_LUA)


def max_attempts(job: Job) -> int:
    """``retries`` counts attempts, as a Zeebe job's retries do (3 → up to 3 calls)."""
    return max(1, job.retries)


def retry_delay(job: Job, attempt: int, settings: Settings) -> float:
    """The job's ``retryBackoff`` when set; else doubling from the initial delay to the cap,
    jittered ±20% so a throttling storm's victims do not return together."""
    if job.headers.retry_backoff is not None:
        return job.headers.retry_backoff.total_seconds()
    base = min(settings.retry_backoff_max, settings.retry_backoff_initial * 2.0 ** (attempt - 1))
    return base * random.uniform(0.8, 1.2)


def schedule(redis: RedisClient, settings: Settings, job_id: str, delay: float, code: str) -> None:
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


def move_due(redis: RedisClient, settings: Settings, limit: int = 1000) -> int:
    return int(_MOVE(redis, [RETRY_DUE, settings.queue], [time.time(), limit]))


class RetryMover(threading.Thread):
    """The per-worker thread that puts due retries back on the queue."""

    def __init__(self, redis: RedisClient, settings: Settings) -> None:
        super().__init__(name="smq-retry-mover", daemon=True)
        self._redis = redis
        self._settings = settings
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self._settings.retry_scan_interval):
            try:
                moved = move_due(self._redis, self._settings)
                if moved:
                    log.debug("retries_queued", count=moved)
            except Exception:  # Redis away: try again next tick, never die
                log.warning("retry_mover_failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
