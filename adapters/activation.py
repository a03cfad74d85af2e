"""Engine jobs onto the queue: a bounded activation loop per job type, and the submitter
that attaches each activated job to its record before queueing it.

Slots are reserved before the engine is asked, so ``maxJobsToActivate`` is never more than
this replica can hold; when the queue already has more jobs waiting than the backlog limit,
the loop asks for fewer (or none) and lets the workers catch up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

from adapters.backoff import compute_backoff
from adapters.engine import ActivatedJob, Engine
from adapters.errors import EngineError
from adapters.inflight import HeldJob, InFlight
from adapters.outcome import incident
from adapters.records import Attachment, EngineJobRecords
from adapters.reporting import Reporter
from producer.contract import Result, parse_job
from producer.errors import JobValidationError
from producer.results import job_status
from producer.submit import Producer

log = structlog.get_logger("adapters.activation")
# How long an activation waits for more free slots once some are free (see InFlight.reserve).
_LINGER = 0.02
# The code of an engine job that cannot be a queue job: the contract's own for a bad job.
INVALID = JobValidationError.default_code


class Submitter:
    """Attach, hold and queue activated jobs; re-attached ones whose queue job is already
    done have their stored result reported at once."""

    def __init__(
        self,
        producer: Producer,
        records: EngineJobRecords,
        inflight: InFlight,
        reporter: Reporter,
        *,
        reply_to: str,
        extend_every: float,
    ) -> None:
        self._producer = producer
        self._records = records
        self._inflight = inflight
        self._reporter = reporter
        self._reply_to = reply_to
        self._extend_every = extend_every

    def submit(self, jobs: list[ActivatedJob]) -> None:
        """Queue ``jobs``, each holding one of the slots reserved for them."""
        attachments = self._records.attach_many([(job.job_key, job.retries) for job in jobs])
        now = time.monotonic()
        # Held before queued: a fast result must find its job held to release it.
        for job, att in zip(jobs, attachments, strict=True):
            held = HeldJob(job.job_key, att.job_id, job.secrets, now, now + self._extend_every)
            self._inflight.hold(held)
        documents: list[dict[str, Any]] = []
        for job, att in zip(jobs, attachments, strict=True):
            if job.invalid is not None:
                self._reporter.deliver(job.job_key, att.job_id, incident(INVALID, job.invalid))
                continue
            document = {**job.document, "id": att.job_id, "replyTo": self._reply_to}
            try:
                parse_job(document)
            except JobValidationError as exc:
                self._reporter.deliver(job.job_key, att.job_id, incident(exc.code, exc.message))
                continue
            documents.append(document)
        try:
            # Idempotent by id: a re-attached job whose queue job exists is not queued again.
            self._producer.submit_many(documents)
        except Exception:
            for job in jobs:
                self._inflight.release(job.job_key)
            raise
        for att in attachments:
            if not att.fresh:
                self._replay(att)
        log.info(
            "jobs_activated",
            count=len(jobs),
            new=sum(a.fresh for a in attachments),
            reattached=sum(not a.fresh for a in attachments),
        )

    def _replay(self, att: Attachment) -> None:
        """A re-attached job already done: report its stored result (its stream entry may
        have been read by a replica that died before reporting it)."""
        status = job_status(self._records.redis, att.job_id)
        log.info("job_reattached", job_key=att.job_key, job_id=att.job_id, attempt=att.attempt)
        if status and status.get("state") == "done" and status.get("result"):
            self._reporter.handle(Result.model_validate(status["result"]))


class ActivationLoop(threading.Thread):
    """Activates jobs of one type while slots are free, until ``stop``."""

    def __init__(
        self,
        name: str,
        activate: Callable[[int], list[ActivatedJob]],
        engine: Engine,
        submitter: Submitter,
        inflight: InFlight,
        stop: threading.Event,
        *,
        backlog: Callable[[], int],
        max_backlog: int,
        backoff_initial: float,
        backoff_max: float,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._activate = activate
        self._engine = engine
        self._submitter = submitter
        self._inflight = inflight
        self._halt = stop
        self._backlog = backlog
        self._max_backlog = max_backlog
        self._backoff = (backoff_initial, backoff_max)
        self._failures = 0

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._once()
            except Exception as exc:  # engine or Redis away: back off, never die
                self._failures += 1
                delay = compute_backoff(
                    self._failures, initial=self._backoff[0], cap=self._backoff[1]
                )
                log.warning(
                    "activation_failed",
                    loop=self.name,
                    error=str(exc),
                    failures=self._failures,
                    delay_s=round(delay, 3),
                )
                self._halt.wait(delay)

    def _once(self) -> None:
        room = self._max_backlog - self._backlog()
        if room <= 0:
            self._halt.wait(0.2)  # the queue is deep: let the workers catch up first
            return
        reserved = self._inflight.reserve(room, timeout=1.0, linger=_LINGER)
        if reserved == 0:
            return
        try:
            jobs = self._activate(reserved)
        except Exception:
            self._inflight.unreserve(reserved)
            raise
        if len(jobs) < reserved:
            self._inflight.unreserve(reserved - len(jobs))
        self._failures = 0
        if jobs and self._halt.is_set():
            self._give_back(jobs)  # a long poll answered after SIGTERM: not ours to start
        elif jobs:
            self._submitter.submit(jobs)

    def _give_back(self, jobs: list[ActivatedJob]) -> None:
        self._inflight.unreserve(len(jobs))
        for job in jobs:
            try:
                self._engine.give_back(job)
                log.info("job_handed_back", job_key=job.job_key)
            except EngineError as exc:  # it comes back after its timeout instead
                log.warning("job_not_handed_back", job_key=job.job_key, error=str(exc))
