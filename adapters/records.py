"""The durable record per engine job (see ``adapters.keys``): attach, claim, finish."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from redis import Redis

from adapters.keys import RecordField, record_key
from producer.connection import LuaScript

Verdict = Literal["ok", "stale", "done", "missing", "busy"]
_ATTACH = LuaScript.beside(__file__, "attach.lua")
_CLAIM = LuaScript.beside(__file__, "claim.lua")
_FINISH = LuaScript.beside(__file__, "finish.lua")


@dataclass(frozen=True)
class Attachment:
    job_key: str
    job_id: str  # the queue job of the current attempt
    fresh: bool  # True: a new attempt (submit and invoke); False: re-attached to a queued job
    attempt: int


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    retries: int  # the engine job's retries as activated for this attempt (when "ok")


class EngineJobRecords:
    """Records of one engine (cluster): ``id_prefix`` names it in the record keys and starts
    its queue job ids, so clusters whose job keys overlap can share one Redis."""

    def __init__(self, redis: Redis, id_prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._id_prefix = id_prefix
        self._ttl = ttl_seconds

    @property
    def redis(self) -> Redis:
        return self._redis

    def key(self, job_key: str) -> str:
        return record_key(self._id_prefix, job_key)

    def attach_many(self, jobs: list[tuple[str, int]]) -> list[Attachment]:
        """Attach each activated (job key, retries) to its current attempt or a new one, in
        one pipelined round trip."""
        if not jobs:
            return []
        calls: list[tuple[list[str], list[Any]]] = [
            ([self.key(job_key)], [f"{self._id_prefix}:{job_key}", retries, self._ttl])
            for job_key, retries in jobs
        ]
        replies = _ATTACH.run_many(self._redis, calls)
        return [
            Attachment(job_key, str(job_id), bool(int(fresh)), int(attempt))
            for (job_key, _), (job_id, fresh, attempt) in zip(jobs, replies, strict=True)
        ]

    def claim(
        self,
        job_key: str,
        job_id: str,
        owner: str,
        *,
        kind: str,
        sent: int | None,
        lease_seconds: float,
    ) -> Claim:
        now = time.time()
        sent_arg: str | int = "" if sent is None else sent
        args: list[str | int | float] = [job_id, owner, now, now + lease_seconds, kind, sent_arg]
        reply: Any = _CLAIM(self._redis, [self.key(job_key)], [*args, self._ttl])
        return Claim(reply[0], int(reply[1]))

    def finish(self, job_key: str, job_id: str, how: str) -> bool:
        return bool(_FINISH(self._redis, [self.key(job_key)], [job_id, how, self._ttl]))

    def states(self, job_keys: list[str]) -> list[tuple[str | None, str | None]]:
        """(current queue job id, state) of each record, in one round trip."""
        with self._redis.pipeline(transaction=False) as pipe:
            for job_key in job_keys:
                pipe.hmget(self.key(job_key), [RecordField.JOB, RecordField.STATE])
            return [(job, state) for job, state in pipe.execute()]
