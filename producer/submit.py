"""The producer's Python API: validate jobs and enqueue them, one Redis round trip per call."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from producer.connection import LuaScript, RedisClient
from producer.contract import Job, parse_job
from producer.envelope import task_message
from producer.errors import FieldProblem, JobValidationError
from producer.keys import QUEUED, job_key
from producer.settings import Settings

_ENQUEUE = LuaScript.beside(__file__, "enqueue.lua")


class Submission(NamedTuple):
    job_id: str
    enqueued: bool  # False: a job with this id already exists; nothing was queued


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
        prepared = validate_all(list(documents))
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


def validate_all(documents: list[Any]) -> list[tuple[Job, str]]:
    """Each job with the JSON to store; one ``JobValidationError`` naming every bad field.

    The stored document is the job as submitted (plus its id), not a re-serialized model:
    the worker validates it again after resolving secrets, and it stays what the engine sent.
    """
    prepared: list[tuple[Job, str]] = []
    problems: list[FieldProblem] = []
    bulk = len(documents) > 1
    for index, document in enumerate(documents):
        try:
            prepared.append(_prepare(document))
        except JobValidationError as exc:
            prefix = f"[{index}]." if bulk else ""
            problems.extend(FieldProblem(prefix + p.path, p.reason) for p in exc.problems)
    if problems:
        raise JobValidationError(problems)
    return prepared


def _prepare(document: Any) -> tuple[Job, str]:
    if isinstance(document, Job):
        return document, document.model_dump_json(by_alias=True)
    job = parse_job(document)
    stored = document if document.get("id") == job.id else {**document, "id": job.id}
    return job, json.dumps(stored, separators=(",", ":"))
