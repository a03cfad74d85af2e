"""Results to the engine: claim the right to report, send the outcome, record that it
arrived; 404/409 acknowledged, never retried in a loop; unavailability retried later with
jittered backoff, without holding up the other results."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import structlog
from redis.exceptions import RedisError

from adapters.backoff import compute_backoff
from adapters.engine import Engine
from adapters.errors import EngineError, JobConflict, JobGone, RequestRejected
from adapters.inflight import InFlight
from adapters.outcome import Outcome, decide, incident
from adapters.records import EngineJobRecords
from producer.contract import Result
from producer.results import ResultConsumer

log = structlog.get_logger("adapters.reporting")


@dataclass(order=True)
class _Retry:
    due: float
    seq: int
    job_key: str = field(compare=False)
    job_id: str = field(compare=False)
    outcome: Outcome = field(compare=False)
    attempt: int = field(compare=False)


class Reporter:
    """Reports outcomes of one engine's jobs; thread-safe. ``owner`` names this replica in
    the records' leases."""

    def __init__(
        self,
        engine: Engine,
        records: EngineJobRecords,
        inflight: InFlight,
        *,
        owner: str,
        key_field: str,
        backoff_initial: float,
        backoff_max: float,
        threads: int = 8,
    ) -> None:
        self._engine = engine
        self._records = records
        self._inflight = inflight
        self._owner = owner
        self._key_field = key_field
        self._backoff = (backoff_initial, backoff_max)
        # A lease must outlast the longest wait between two tries of one report.
        self._lease = backoff_max * 2 + 30
        self._retries: list[_Retry] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="report")
        # At most this many results handed over and not yet reported: the stream reader
        # waits rather than piling results up in memory.
        self._slots = threading.BoundedSemaphore(threads * 4)

    def submit(self, result: Result) -> None:
        """``handle`` on a reporting thread; blocks while all threads are busy."""
        self._slots.acquire()
        future = self._pool.submit(self._handle_logged, result)
        future.add_done_callback(lambda _: self._slots.release())

    def _handle_logged(self, result: Result) -> None:
        try:
            self.handle(result)
        except Exception:  # Redis away mid-claim: the record lets a re-activation finish it
            log.exception("report_failed", job_id=result.id)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def handle(self, result: Result) -> None:
        """Report a result read from the stream (or found stored, on a re-attach)."""
        job_key = result.correlation.get(self._key_field)
        if job_key is None:
            log.warning("result_without_engine_job", job_id=result.id, field=self._key_field)
            return
        self.deliver(str(job_key), result.id, decide(result))

    def deliver(self, job_key: str, job_id: str, outcome: Outcome, attempt: int = 1) -> None:
        claim = self._records.claim(
            job_key,
            job_id,
            self._owner,
            kind=outcome.kind,
            sent=outcome.retries,
            lease_seconds=self._lease,
        )
        if claim.verdict != "ok":
            # done / stale / missing: nothing left to tell the engine; busy: another replica is
            # telling it. This replica stops holding the job either way.
            log.info("report_skipped", job_key=job_key, job_id=job_id, verdict=claim.verdict)
            self._release(job_key, job_id)
            return
        held = self._inflight.get(job_key)
        outcome = outcome.resolved(claim.retries).masked(held.secrets if held else ())
        started = time.perf_counter()
        try:
            self._engine.report(job_key, outcome)
        except (JobGone, JobConflict) as exc:
            # The instance was cancelled, the job completed elsewhere or is failed: the engine
            # has moved on, and repeating the call cannot change that.
            log.warning(
                "report_refused", job_key=job_key, job_id=job_id, status=exc.status, title=exc.title
            )
            self._finish(job_key, job_id, "gone" if isinstance(exc, JobGone) else "conflict")
        except RequestRejected as exc:
            self._rejected(job_key, job_id, outcome, exc)
        except EngineError as exc:
            self._later(job_key, job_id, outcome, attempt, exc)
        else:
            log.info(
                "job_reported",
                job_key=job_key,
                job_id=job_id,
                outcome=outcome.kind,
                error_code=outcome.error_code,
                retries=outcome.retries,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            self._finish(job_key, job_id, "reported")

    def _rejected(self, job_key: str, job_id: str, outcome: Outcome, exc: EngineError) -> None:
        """A 400/403: a completion or BPMN error the engine refuses becomes an incident that
        says why, so the job does not wait for its timeout and come back the same way."""
        log.error(
            "report_rejected", job_key=job_key, job_id=job_id, status=exc.status, title=exc.title
        )
        if outcome.kind == "fail":
            self._finish(job_key, job_id, "rejected")
            return
        reason = f"the engine refused the {outcome.kind}: {exc.title} {exc.detail}".strip()
        self.deliver(job_key, job_id, incident("EngineRejected", reason))

    def _later(
        self, job_key: str, job_id: str, outcome: Outcome, attempt: int, exc: EngineError
    ) -> None:
        delay = compute_backoff(attempt, initial=self._backoff[0], cap=self._backoff[1])
        log.warning(
            "report_retry_scheduled",
            job_key=job_key,
            job_id=job_id,
            status=exc.status,
            title=exc.title,
            attempt=attempt,
            delay_s=round(delay, 3),
        )
        with self._wake:
            retry = _Retry(
                time.monotonic() + delay, next(self._seq), job_key, job_id, outcome, attempt + 1
            )
            heapq.heappush(self._retries, retry)
            self._wake.notify()

    def _finish(self, job_key: str, job_id: str, how: str) -> None:
        self._records.finish(job_key, job_id, how)
        self._release(job_key, job_id)

    def _release(self, job_key: str, job_id: str) -> None:
        held = self._inflight.get(job_key)
        if held is not None and held.job_id == job_id:
            self._inflight.release(job_key)

    def pending_retries(self) -> int:
        with self._wake:
            return len(self._retries)

    def run_retries(self, stop: threading.Event) -> None:
        """Send due retries until ``stop``; run it in a thread of its own."""
        while not stop.is_set():
            with self._wake:
                wait = self._retries[0].due - time.monotonic() if self._retries else 0.5
                if wait > 0:
                    self._wake.wait(min(wait, 0.5))
                    continue
                retry = heapq.heappop(self._retries)
            try:
                self.deliver(retry.job_key, retry.job_id, retry.outcome, retry.attempt)
            except RedisError:
                log.warning("report_retry_failed", job_key=retry.job_key, exc_info=True)
                self._later(
                    retry.job_key,
                    retry.job_id,
                    retry.outcome,
                    retry.attempt,
                    EngineError("Redis unavailable"),
                )


def read_results(consumer: ResultConsumer, reporter: Reporter, stop: threading.Event) -> None:
    """Report every result of the adapter's stream until ``stop``; run it in a thread.

    A result is acknowledged once a reporting thread has it. If this process dies before the
    engine hears of it, nothing is lost: the record still says the attempt is active (or
    being reported), so the engine's re-activation after the job timeout re-attaches to the
    done queue job and reports its stored result. Report retries continue from memory the
    same way.
    """
    while not stop.is_set():
        try:
            # follow=False ends each pass when the stream stays empty for the block time,
            # which is when ``stop`` is looked at while idle.
            for result in consumer.results(follow=False):
                reporter.submit(result)
                if stop.is_set():
                    break
        except Exception:  # Redis away, a bug in one result: log, pause, read on
            log.exception("result_loop_failed")
            stop.wait(1.0)
