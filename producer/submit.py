"""The producer's Python API: validate jobs and enqueue them, one Redis round trip per call."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from producer.connection import LuaScript, RedisClient
from producer.contract import Job, parse_job
from producer.envelope import task_message
from producer.errors import FieldProblem, JobValidationError
from producer.keys import QUEUED, JobField, JobState, job_key
from producer.limits import submit_problems
from producer.settings import DEFAULT_MAX_JOB_BYTES, Settings

_ENQUEUE = LuaScript.beside(__file__, "enqueue.lua")


class Submission(NamedTuple):
    job_id: str
    enqueued: bool  # False: a job with this id already exists; nothing was queued


class Requeued(StrEnum):
    """What ``Producer.requeue`` did with one job id."""

    QUEUED = "queued"  # a new message for the job is on the queue
    DONE = "done"  # the job has its result already: not run again
    UNKNOWN = "unknown"  # no such job: never submitted, or its record expired


class Producer:
    """Submits jobs to the queue; share one per process (it holds a connection pool)."""

    def __init__(self, redis: RedisClient, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    def submit(self, document: Mapping[str, Any] | Job) -> Submission:
        """Validate and enqueue one job; raises ``JobValidationError`` with every bad field."""
        return self.submit_many([document])[0]

    def submit_many(self, documents: Iterable[Mapping[str, Any] | Job]) -> list[Submission]:
        """Validate every job first, then enqueue all of them in one pipelined round trip.

        Nothing is enqueued when any job is invalid, so a bulk file is all-or-nothing. Jobs
        go to the queue in groups of up to ``batch_size`` per message; a group in which some
        id already exists is enqueued again one job per message (a second round trip), and
        an id repeated within the submission keeps its first job.
        """
        return self.enqueue(
            validate_all(list(documents), max_job_bytes=self._settings.max_job_bytes)
        )

    def enqueue(self, prepared: list[tuple[Job, str]]) -> list[Submission]:
        """Enqueue jobs ``validate_all`` accepted, in one pipelined round trip (a caller that
        enqueues a large submission in parts validates all of it first)."""
        now = repr(time.time())
        first: list[int] = []  # the first job with each id, grouped into messages
        repeated: list[int] = []  # a later job with an id seen before: never enqueued twice
        seen: set[str] = set()
        for index, (job, _) in enumerate(prepared):
            (repeated if job.id in seen else first).append(index)
            seen.add(job.id)
        size = self._settings.batch_size
        groups = [first[i : i + size] for i in range(0, len(first), size)]
        enqueued = [False] * len(prepared)
        while groups:
            flags = _ENQUEUE.run_many(self._redis, [self._call(prepared, g, now) for g in groups])
            retry: list[list[int]] = []
            for group, flag in zip(groups, flags, strict=True):
                if flag:
                    for i in group:
                        enqueued[i] = True
                elif len(group) > 1:
                    retry += [[i] for i in group]
            groups = retry
            if not groups and repeated:
                # Last, so the first job with an id is the one stored; these only report 0.
                groups, repeated = [[i] for i in repeated], []
        return [Submission(job.id, flag) for (job, _), flag in zip(prepared, enqueued, strict=True)]

    def requeue(self, job_ids: Sequence[str]) -> dict[str, Requeued]:
        """Queue existing jobs again, one message each, as ``worker.retry.requeue_stale``
        does for a lost message: for a job whose message was dead-lettered, say.

        Only the id travels, so the job runs from its stored document; a job already done is
        left alone, and a duplicate message for a running one is a no-op on the worker (its
        state decides). Idempotent: replaying twice never runs a job twice.
        """
        ids = list(dict.fromkeys(job_ids))
        with self._redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hget(job_key(job_id), JobField.STATE)
            states = pipe.execute()
        outcome = {
            job_id: Requeued.UNKNOWN
            if state is None
            else Requeued.DONE
            if state == JobState.DONE
            else Requeued.QUEUED
            for job_id, state in zip(ids, states, strict=True)
        }
        again = [job_id for job_id in ids if outcome[job_id] is Requeued.QUEUED]
        if again:
            queue, now = self._settings.queue, time.time()
            with self._redis.pipeline(transaction=False) as pipe:
                # In the waiting set too, so a message lost again is found (see QUEUED).
                pipe.zadd(QUEUED, dict.fromkeys(again, now))
                for job_id in again:
                    pipe.lpush(queue, task_message(job_id, queue))
                pipe.execute()
        return outcome

    def _call(
        self, prepared: list[tuple[Job, str]], group: list[int], now: str
    ) -> tuple[list[str], list[Any]]:
        s = self._settings
        jobs = [prepared[i] for i in group]
        keys = [s.queue, QUEUED, *(job_key(job.id) for job, _ in jobs)]
        args: list[Any] = [
            task_message([job.id for job, _ in jobs], s.queue),
            s.job_ttl_seconds,
            now,
        ]
        for job, stored in jobs:
            args += [
                stored,
                job.variables.input.endpoint_name,
                job.reply_to or s.result_stream,
                job.id,
            ]
        return keys, args


def validate_all(
    documents: list[Any],
    *,
    max_job_bytes: int = DEFAULT_MAX_JOB_BYTES,
    labels: Sequence[str] | None = None,
) -> list[tuple[Job, str]]:
    """Each job with the JSON to store; one ``JobValidationError`` naming every bad field.

    Besides the contract, a job that cannot succeed is refused here (``submit_problems``: a
    body over SageMaker's limit, a document over ``max_job_bytes``). ``labels`` prefix each
    job's field paths (say, its file and line); by default a bulk's are ``[index].``.

    The stored document is the job as submitted (plus its id), not a re-serialized model:
    the worker validates it again after resolving secrets, and it stays what the engine sent.
    """
    prepared: list[tuple[Job, str]] = []
    problems: list[FieldProblem] = []
    bulk = len(documents) > 1
    for index, document in enumerate(documents):
        prefix = labels[index] if labels is not None else f"[{index}]." if bulk else ""
        try:
            job, stored = _prepare(document)
            found = submit_problems(job, _byte_size(stored), max_job_bytes)
        except JobValidationError as exc:
            found = exc.problems
        else:
            prepared.append((job, stored))
        problems.extend(FieldProblem(_join(prefix, p.path), p.reason) for p in found)
    if problems:
        raise JobValidationError(problems)
    return prepared


def _join(prefix: str, path: str) -> str:
    return prefix + path if path else prefix.rstrip(".: ")


def _byte_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def _prepare(document: Any) -> tuple[Job, str]:
    if isinstance(document, Job):
        return document, document.model_dump_json(by_alias=True)
    job = parse_job(document)
    stored = document if document.get("id") == job.id else {**document, "id": job.id}
    return job, json.dumps(stored, separators=(",", ":"))
