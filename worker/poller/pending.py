"""Pending asynchronous inferences in Redis: register, claim, reschedule, finish.

Memory matters here (thousands pending for hours), so a tracked job is rewritten compactly:
its hash keeps the job's context instead of its document and "<prefix digest>:<name>" instead
of full S3 URIs, staying in Redis's small-hash encoding; the output prefix's location hash
maps object names to job ids (one listing answers for all of them); the AWS access variables
are stored once per distinct set.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from producer.connection import LuaScript, RedisClient
from producer.contract import ACCESS_FIELDS
from producer.keys import (
    ASYNC_DEADLINE,
    ASYNC_DUE,
    ASYNC_OLDEST,
    JobField,
    JobState,
    job_key,
)
from worker.poller.keys import ASYNC_PREFIXES, access_key, locations_key
from worker.sagemaker.asynchronous import Started, split_s3_uri
from worker.secrets import digest

_CLAIM = LuaScript.beside(__file__, "claim.lua")
_LOAD_FIELDS = (
    JobField.CONTEXT,
    JobField.STATE,
    JobField.OUTPUT,
    JobField.FAILURE,
    JobField.INFERENCE_ID,
    JobField.DEADLINE,
    JobField.CHECKS,
    JobField.ACCESS,
    JobField.ATTEMPTS,
    JobField.REPLY_TO,
    JobField.INVOKED_AT,
)


def prefix_of(uri: str) -> tuple[str, str, str]:
    """``s3://b/a/c.out`` → ``("b", "a/", "a/c.out")``: bucket, listing prefix, key."""
    bucket, key = split_s3_uri(uri)
    prefix = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    return bucket, prefix, key


@dataclass(frozen=True)
class Pending:
    job_id: str
    context: str  # JobContext JSON
    state: str
    started: Started
    deadline: float
    checks: int
    access: str  # digest
    attempts: int
    reply_to: str | None
    invoked_at: float


@dataclass(frozen=True)
class Tracked:
    """What ``track`` keeps of a job whose asynchronous inference started."""

    job_id: str
    context_json: str
    access_json: str
    attempts: int
    endpoint: str
    reply_to: str | None


def access_digest(access_json: str) -> str:
    return digest(access_json, 16)


class PendingStore:
    def __init__(self, redis: RedisClient, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefixes: dict[str, str] = {}  # digest → "s3://bucket/prefix", cached

    def track(self, job: Tracked, started: Started, deadline: float, first_check: float) -> None:
        """Register a started inference; one MULTI, so it is tracked whole or not at all."""
        now = time.time()
        access = access_digest(job.access_json)
        out_bucket, out_prefix, out_key = prefix_of(started.output_location)
        # Whole seconds and short digests: every byte here is paid per pending inference.
        record: dict[str, str | int] = {
            JobField.STATE: JobState.INVOKED,
            JobField.CONTEXT: job.context_json,
            JobField.ATTEMPTS: job.attempts,
            JobField.ENDPOINT: job.endpoint,
            JobField.INVOKED_AT: int(now),
            JobField.DEADLINE: int(deadline),
            JobField.CHECKS: 0,
            JobField.ACCESS: access,
            JobField.OUTPUT: self._short(started.output_location),
        }
        if started.inference_id != job.job_id:
            record[JobField.INFERENCE_ID] = started.inference_id
        if job.reply_to:
            record[JobField.REPLY_TO] = job.reply_to
        if started.failure_location:
            record[JobField.FAILURE] = self._short(started.failure_location)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(access_key(access), job.access_json, ex=self._ttl)
            pipe.hset(ASYNC_PREFIXES, mapping=self._prefix_records(started))  # type: ignore[arg-type]
            # Rewritten, not updated: a hash that ever held a long value (the document) keeps
            # the large encoding for good.
            pipe.delete(job_key(job.job_id))
            pipe.hset(job_key(job.job_id), mapping=record)  # type: ignore[arg-type]
            pipe.expire(job_key(job.job_id), self._ttl)
            pipe.zadd(ASYNC_DUE, {job.job_id: first_check})
            shard = _shard(out_bucket, out_prefix, _name(out_key))
            pipe.hset(shard, _name(out_key), job.job_id)
            pipe.expire(shard, self._ttl)
            pipe.execute()

    def _short(self, uri: str) -> str:
        head, _, name = uri.rpartition("/")
        return f"{digest(head, 8)}:{name}"

    def _prefix_records(self, started: Started) -> dict[str, str]:
        heads = (u.rpartition("/")[0] for u in (started.output_location, started.failure_location))
        return {digest(h, 8): h for h in heads if h}

    def _expand(self, short: str | None) -> str:
        if not short:
            return ""
        digest, _, name = short.partition(":")
        head = self._prefixes.get(digest)
        if head is None:
            self._prefixes.update(self._redis.hgetall(ASYNC_PREFIXES))  # type: ignore[arg-type]
            head = self._prefixes.get(digest, "")
        return f"{head}/{name}"

    def claim(self, now: float, lease_until: float, limit: int) -> list[str]:
        return [str(i) for i in _CLAIM(self._redis, [ASYNC_DUE], [now, lease_until, limit])]

    def load(self, job_ids: Iterable[str]) -> tuple[list[Pending], list[str]]:
        """The pending records, and the ids whose record is gone (expired, or not async)."""
        ids = list(job_ids)
        with self._redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hmget(job_key(job_id), list(_LOAD_FIELDS))
            records = pipe.execute()
        found: list[Pending] = []
        gone: list[str] = []
        for job_id, rec in zip(ids, records, strict=True):
            pending = self._pending(job_id, rec)
            if pending is None:
                gone.append(job_id)
            else:
                found.append(pending)
        return found, gone

    def _pending(self, job_id: str, rec: list[Any]) -> Pending | None:
        context, state, out, fail, inference, deadline, checks, access, attempts, reply, at = rec
        if not context or not out:
            return None
        started = Started(inference or job_id, self._expand(out), self._expand(fail))
        return Pending(
            job_id,
            context,
            state or "",
            started,
            float(deadline or 0),
            int(checks or 0),
            access or "",
            int(attempts or 0),
            reply,
            float(at or 0),
        )

    def access(self, digest: str) -> str | None:
        value = self._redis.get(access_key(digest))
        return str(value) if value is not None else None

    def owners(self, bucket: str, prefix: str, keys: list[str]) -> dict[str, str]:
        """Object key → job id, for the listed keys that belong to pending inferences."""
        names = {_name(k): k for k in keys}
        by_shard: dict[str, list[str]] = {}
        for name in names:
            by_shard.setdefault(_shard(bucket, prefix, name), []).append(name)
        if not by_shard:
            return {}
        with self._redis.pipeline(transaction=False) as pipe:
            for shard, members in by_shard.items():
                pipe.hmget(shard, members)
            replies = pipe.execute()
        found: dict[str, str] = {}
        for members, jobs in zip(by_shard.values(), replies, strict=True):
            found.update({names[n]: job for n, job in zip(members, jobs, strict=True) if job})
        return found

    def reschedule(self, due: dict[str, float]) -> None:
        """Next check times; XX, so an inference finished meanwhile is not brought back."""
        if not due:
            return
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(ASYNC_DUE, due, xx=True)
            for job_id in due:
                pipe.hincrby(job_key(job_id), JobField.CHECKS, 1)
            pipe.execute()

    def forget(self, pendings: Iterable[Pending], gone: Iterable[str] = ()) -> None:
        """Stop tracking (after the result is posted, or when the job record is gone)."""
        with self._redis.pipeline(transaction=False) as pipe:
            for p in pendings:
                pipe.zrem(ASYNC_DUE, p.job_id)
                bucket, prefix, key = prefix_of(p.started.output_location)
                pipe.hdel(_shard(bucket, prefix, _name(key)), _name(key))
            for job_id in gone:
                pipe.zrem(ASYNC_DUE, job_id)
            pipe.execute()

    def note_oldest(self, invoked_at: float | None, deadline: float | None = None) -> None:
        """Record the start of the oldest pending inference seen lately and the nearest
        deadline (or none pending): what ``smq status`` and ``smq exporter`` report."""
        if invoked_at is None:
            self._redis.delete(ASYNC_OLDEST, ASYNC_DEADLINE)
        elif deadline is None:
            self._redis.set(ASYNC_OLDEST, repr(invoked_at))
        else:
            self._redis.mset({ASYNC_OLDEST: repr(invoked_at), ASYNC_DEADLINE: repr(deadline)})


_SHARDS = 256


def _shard(bucket: str, prefix: str, name: str) -> str:
    """The location hash holding ``name``: a prefix's map is split in 256 small hashes, each
    small enough for Redis's compact encoding (one big hash costs ~3x per entry)."""
    return f"{locations_key(bucket, prefix)}:{zlib.crc32(name.encode()) % _SHARDS:02x}"


def _name(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def access_json(raw_variables: dict[str, Any]) -> str:
    """The job's AWS access variables, placeholders unresolved, in a stable form."""
    picked = {k: raw_variables.get(k) for k in ACCESS_FIELDS if raw_variables.get(k) is not None}
    return json.dumps(picked, sort_keys=True, separators=(",", ":"))
