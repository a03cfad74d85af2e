"""Pending asynchronous inferences in Redis: register, claim, reschedule, finish, count.

Each pending inference costs one job-hash update, one member in each of two sorted sets and
one field in its prefix's location hash; the AWS access variables are stored once per
distinct set (by digest), not once per job.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from producer.connection import LuaScript, RedisClient
from producer.contract import ACCESS_FIELDS
from producer.keys import (
    ASYNC_DUE,
    ASYNC_SINCE,
    CLAIM_LUA,
    JobField,
    JobState,
    access_key,
    job_key,
    locations_key,
)
from worker.sagemaker.asynchronous import Started, split_s3_uri

_CLAIM = LuaScript(CLAIM_LUA)
_LOAD_FIELDS = (
    JobField.DOC,
    JobField.STATE,
    JobField.OUTPUT_LOCATION,
    JobField.FAILURE_LOCATION,
    JobField.INFERENCE_ID,
    JobField.DEADLINE,
    JobField.CHECKS,
    JobField.ACCESS,
    JobField.ATTEMPTS,
    JobField.REPLY_TO,
)


def prefix_of(uri: str) -> tuple[str, str, str]:
    """``s3://b/a/c.out`` → ``("b", "a/", "a/c.out")``: bucket, listing prefix, key."""
    bucket, key = split_s3_uri(uri)
    prefix = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    return bucket, prefix, key


@dataclass(frozen=True)
class Pending:
    job_id: str
    doc: str
    state: str
    started: Started
    deadline: float
    checks: int
    access: str  # digest
    attempts: int
    reply_to: str | None

    @classmethod
    def from_record(cls, job_id: str, rec: list[Any]) -> Pending | None:
        doc, state, out, fail, inference, deadline, checks, access, attempts, reply_to = rec
        if not doc or not out:
            return None
        return cls(
            job_id,
            doc,
            state or "",
            Started(inference or "", out, fail or ""),
            float(deadline or 0),
            int(checks or 0),
            access or "",
            int(attempts or 0),
            reply_to,
        )


def access_digest(access_json: str) -> str:
    return hashlib.sha256(access_json.encode()).hexdigest()[:32]


class PendingStore:
    def __init__(self, redis: RedisClient, ttl_seconds: int) -> None:
        self._redis = redis
        self._ttl = ttl_seconds

    def track(
        self, job_id: str, started: Started, access_json: str, deadline: float, first_check: float
    ) -> None:
        """Register a started inference; one MULTI so it is tracked whole or not at all."""
        now = time.time()
        digest = access_digest(access_json)
        out_bucket, out_prefix, out_key = prefix_of(started.output_location)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(access_key(digest), access_json, ex=self._ttl)
            pipe.hset(
                job_key(job_id),
                mapping={
                    JobField.STATE: JobState.INVOKED,
                    JobField.OUTPUT_LOCATION: started.output_location,
                    JobField.FAILURE_LOCATION: started.failure_location,
                    JobField.INFERENCE_ID: started.inference_id,
                    JobField.INVOKED_AT: repr(now),
                    JobField.DEADLINE: repr(deadline),
                    JobField.CHECKS: 0,
                    JobField.ACCESS: digest,
                },
            )
            pipe.zadd(ASYNC_DUE, {job_id: first_check})
            pipe.zadd(ASYNC_SINCE, {job_id: now})
            pipe.hset(locations_key(out_bucket, out_prefix), out_key, job_id)
            pipe.expire(locations_key(out_bucket, out_prefix), self._ttl)
            if started.failure_location:
                f_bucket, f_prefix, f_key = prefix_of(started.failure_location)
                pipe.hset(locations_key(f_bucket, f_prefix), f_key, job_id)
                pipe.expire(locations_key(f_bucket, f_prefix), self._ttl)
            pipe.execute()

    def claim(self, now: float, lease_until: float, limit: int) -> list[str]:
        return [str(i) for i in _CLAIM(self._redis, [ASYNC_DUE], [now, lease_until, limit])]

    def load(self, job_ids: Iterable[str]) -> tuple[list[Pending], list[str]]:
        """The pending records, and the ids whose job record is gone (expired or deleted)."""
        ids = list(job_ids)
        with self._redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hmget(job_key(job_id), list(_LOAD_FIELDS))
            records = pipe.execute()
        found: list[Pending] = []
        gone: list[str] = []
        for job_id, rec in zip(ids, records, strict=True):
            pending = Pending.from_record(job_id, rec)
            if pending is None:
                gone.append(job_id)
            else:
                found.append(pending)
        return found, gone

    def access(self, digest: str) -> str | None:
        value = self._redis.get(access_key(digest))
        return str(value) if value is not None else None

    def owners(self, bucket: str, prefix: str, keys: list[str]) -> dict[str, str]:
        """Object key → job id, for the listed keys that belong to pending inferences."""
        hkey = locations_key(bucket, prefix)
        if not keys:
            return {}
        if self._redis.hlen(hkey) <= len(keys):
            listed = set(keys)
            pending: dict[str, str] = self._redis.hgetall(hkey)  # type: ignore[assignment]
            return {k: v for k, v in pending.items() if k in listed}
        values: list[str | None] = self._redis.hmget(hkey, keys)  # type: ignore[assignment]
        return {k: v for k, v in zip(keys, values, strict=True) if v}

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
                pipe.zrem(ASYNC_SINCE, p.job_id)
                for uri in (p.started.output_location, p.started.failure_location):
                    if uri:
                        bucket, prefix, key = prefix_of(uri)
                        pipe.hdel(locations_key(bucket, prefix), key)
            for job_id in gone:
                pipe.zrem(ASYNC_DUE, job_id)
                pipe.zrem(ASYNC_SINCE, job_id)
            pipe.execute()


def access_json(raw_variables: dict[str, Any]) -> str:
    """The job's AWS access variables, placeholders unresolved, in a stable form."""
    picked = {k: raw_variables.get(k) for k in ACCESS_FIELDS if raw_variables.get(k) is not None}
    return json.dumps(picked, sort_keys=True, separators=(",", ":"))
