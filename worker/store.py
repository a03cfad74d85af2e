"""The job's record in Redis as a worker changes it: begin an attempt, note a staged body,
hand a started asynchronous inference to the poller.

Each method is one round trip (a Lua call, one HSET, one MULTI), so the runner above it
reads as the steps of a job, not as Redis commands.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from producer.connection import LuaScript, RedisClient
from producer.contract import Job
from producer.keys import QUEUED, JobField, JobState, job_key
from worker.poller.pending import PendingStore, Tracked, access_json
from worker.sagemaker.asynchronous import Started

BEGIN = LuaScript.beside(__file__, "begin.lua")


def begin_calls(job_ids: Sequence[str]) -> list[tuple[list[str], list[Any]]]:
    """``begin.lua``'s keys and arguments for each job (``worker.broker.QoS`` sends them in
    kombu's own pipeline as the message is received; ``JobStore.begin`` on its own)."""
    now = repr(time.time())
    return [([job_key(job_id), QUEUED], [now, job_id]) for job_id in job_ids]


def as_begun(job_ids: Sequence[str], records: Sequence[Any]) -> list[Begun]:
    """The jobs' records from what ``begin.lua`` returned for each."""
    return [
        Begun(job_id, doc, state, int(attempts or 0), reply_to, staged)
        for job_id, (doc, state, attempts, reply_to, staged) in zip(job_ids, records, strict=True)
    ]


@dataclass(frozen=True)
class Begun:
    """A job's record as an attempt begins: what ``begin.lua`` returned for it."""

    job_id: str
    doc: str | None  # None: no job is stored under this id
    state: str | None
    attempts: int  # this attempt's number (counted by begin.lua)
    reply_to: str | None
    staged_input: str | None  # s3:// URI of an inline body uploaded by an earlier attempt

    @property
    def handled(self) -> bool:
        """Posted already, or an asynchronous inference the poller is tracking: a redelivered
        or duplicate message, which must not invoke again."""
        return self.state in (JobState.DONE, JobState.INVOKED)


class JobStore:
    """The worker's writes to job records; one per process, shared by its threads."""

    def __init__(self, redis: RedisClient, job_ttl_seconds: int) -> None:
        self.redis = redis
        self._pending = PendingStore(redis, job_ttl_seconds)

    def begin(self, job_ids: Sequence[str]) -> list[Begun]:
        """Mark the jobs as being invoked and count the attempt, in one round trip."""
        return as_begun(job_ids, BEGIN.run_many(self.redis, begin_calls(job_ids)))

    def record_staged(self, job_id: str, location: str) -> None:
        """Remember where an inline body went, so a redelivery does not upload it again."""
        self.redis.hset(job_key(job_id), JobField.STAGED_INPUT, location)

    def track(
        self,
        job: Job,
        raw_variables: Any,
        begun: Begun,
        started: Started,
        *,
        deadline: float,
        first_check: float,
    ) -> None:
        """Hand a started inference to the poller (the job's state becomes ``invoked``); it
        keeps the job's context and its unresolved access variables, not the document."""
        tracked = Tracked(
            job_id=job.id,
            context_json=job.context_json(),
            access_json=access_json(raw_variables or {}),
            attempts=begun.attempts,
            endpoint=job.variables.input.endpoint_name,
            reply_to=begun.reply_to,
        )
        self._pending.track(tracked, started, deadline=deadline, first_check=first_check)
