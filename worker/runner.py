"""One job attempt, start to finish: read the job, resolve secrets, invoke the endpoint, then
carry out what ``worker.decision`` decides (post, retry later, or leave it to the poller).

Every outcome, including a job that cannot be read or an unexpected exception, becomes a
result on the stream: a job never disappears into a log line.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, bound_contextvars

from producer.contract import InvocationType, Job, Result
from producer.errors import SmqError
from worker import metrics, publish, retry
from worker.attempting import Attempting, endpoint_of, labelled, load
from worker.decision import Attempt, AwaitPoller, RetryLater, decide
from worker.logs import redacting
from worker.outcome import Kind, Outcome
from worker.retry import max_attempts
from worker.sagemaker import asynchronous, realtime
from worker.sagemaker.clients import ClientCache
from worker.sagemaker.lean import PendingCall
from worker.secrets import Redactor, Secrets
from worker.settings import WorkerSettings
from worker.store import Begun, JobStore

log = structlog.get_logger("worker.job")


class JobRunner:
    """Runs begun jobs against SageMaker; one per worker process, shared by its threads.

    The clients, secrets and poster are injected so a test can run a job's whole path in
    process (a Stubber-wrapped or emulator-backed client, a fake environment).
    """

    def __init__(
        self,
        store: JobStore,
        settings: WorkerSettings,
        *,
        clients: ClientCache | None = None,
        secrets: Secrets | None = None,
        poster: publish.GroupPoster | None = None,
    ) -> None:
        self.store = store
        self._settings = settings
        self._clients = clients or ClientCache(settings)
        self._secrets = secrets or Secrets(settings.secret_prefix)
        self._poster = poster or publish.GroupPoster(store.redis, settings)

    def run(self, begun: Begun) -> Result | None:
        """Run one begun job; returns the posted result, or None when nothing was posted
        (already handled, retry scheduled, or an asynchronous inference now tracked)."""
        outcome = self.execute(begun)
        return None if outcome.kind is Kind.RETRYING else outcome.result

    @property
    def sends_on_loop(self) -> bool:
        """Real-time calls can go out on the process's event loop (``send``/``receive``)."""
        return self._clients.transport is not None

    def execute(self, begun: Begun) -> Outcome:
        """Run one begun job; what it came to (the message's task reports it to Flower)."""
        if begun.handled:
            return self.handled(begun)
        attempting = Attempting(begun)
        with self._scope(attempting, final=True):
            return self.conclude(attempting, self._attempt(attempting))

    def handled(self, begun: Begun) -> Outcome:
        log.info("job_already_" + str(begun.state), job_id=begun.job_id)
        return Outcome(begun.job_id, Kind.HANDLED)

    # A real-time job in phases, so that one thread can run a message's jobs: ``send`` starts
    # the call on the event loop, ``receive`` takes its answer, ``settle`` and ``conclude``
    # (or ``posted``, when the results are posted together) finish it.
    def send(self, attempting: Attempting) -> Attempt | PendingCall | None:
        """Read the job and start its call on the loop: the call, the attempt already over
        (the job could not be read), or None when the rest must run on a thread of its own
        (an asynchronous inference, or a call the loop does not carry): ``finish_blocking``."""
        with self._scope(attempting):
            try:
                job = self._read(attempting)
                if job.variables.input.invocation_type is InvocationType.ASYNC:
                    return None
                client = self._clients.runtime(job.variables, _read_timeout(job, self._settings))
                request = realtime.build_request(job.variables.input, job.id)
                attempting.call.__enter__()  # left in receive(), or here if it never went out
                try:
                    return realtime.send(client, request)
                except BaseException:
                    attempting.call.__exit__()
                    raise
            except SmqError as exc:
                return self._failed(attempting, exc)
            except Exception as exc:  # the worker must answer every job, whatever went wrong
                return self._crashed(attempting, exc)

    def receive(self, attempting: Attempting, pending: PendingCall) -> Attempt:
        """The attempt of a call ``send`` started, once its answer is in."""
        attempting.call.__exit__()
        with self._scope(attempting):
            duration = _ms(attempting.call.seconds)
            try:
                response = realtime.received(pending)
                log.debug("endpoint_invoked", duration_ms=duration)
                return self._completed(attempting, response)
            except SmqError as exc:
                log.info("endpoint_failed", error_code=exc.code, duration_ms=duration)
                return self._failed(attempting, exc)
            except Exception as exc:
                return self._crashed(attempting, exc)

    def finish_blocking(self, attempting: Attempting) -> Outcome:
        """The rest of a job ``send`` left to a thread: its call, blocking, then conclude."""
        with self._scope(attempting):
            return self.conclude(attempting, self._attempt(attempting))

    def conclude(self, attempting: Attempting, attempt: Attempt) -> Outcome:
        """Decide and carry out: post (alone), retry later, or leave it to the poller."""
        with self._scope(attempting):
            settled = self.settle(attempting, attempt)
            if isinstance(settled, Outcome):
                return settled
            return self.posted(attempting, settled, self._poster.post(*settled))

    def settle(self, attempting: Attempting, attempt: Attempt) -> Outcome | tuple[Result, str]:
        """The decision carried out but for posting: the outcome, or the result to post to
        its stream (``posted`` once it is). The job leaves the in-flight gauge here."""
        with self._scope(attempting, final=True):
            decision = decide(attempt, self._settings, attempting.redactor)
            error = attempt.result.error if attempt.result else None
            metrics.attempt_finished(
                attempt.endpoint,
                attempt.invocation_type,
                error.code if error else "completed",
                attempt.seconds,
            )
            if isinstance(decision, AwaitPoller):
                return Outcome(attempting.begun.job_id, Kind.AWAITING)
            if isinstance(decision, RetryLater):
                self._schedule_retry(decision, attempt)
                job_id = attempting.begun.job_id
                return Outcome(job_id, Kind.RETRYING, decision.result, decision.delay)
            return decision.result, attempting.begun.reply_to or self._settings.result_stream

    def posted(
        self, attempting: Attempting, settled: tuple[Result, str], entry: str | None
    ) -> Outcome:
        result, stream = settled
        with self._scope(attempting):
            log.info(
                "result_posted" if entry else "result_already_posted",
                status=result.status,
                error_code=result.error.code if result.error else None,
                stream=stream,
                attempts=result.attempts,
                duration_ms=_ms_since(attempting.started),
            )
        return Outcome.posted(result)

    def post_many(self, settled: list[tuple[Result, str]]) -> list[str | None]:
        """Several jobs' results in one round trip (with other threads' through the group)."""
        return self._poster.post_many(settled)

    def reject(self, message_id: str, error: SmqError) -> None:
        """Answer a message that names no job: a failed result on the default stream."""
        result = publish.failed(message_id, error, redactor=Redactor())
        publish.post(self.store.redis, self._settings, result, self._settings.result_stream)

    @contextlib.contextmanager
    def _scope(self, attempting: Attempting, *, final: bool = False) -> Iterator[None]:
        """The job's log context and secret masking, around each of its phases; the
        in-flight gauge counts it from its first phase to its conclusion."""
        if attempting.counted is None:
            attempting.counted = True
            metrics.IN_FLIGHT.inc()
        try:
            with (
                redacting(attempting.redactor),
                bound_contextvars(
                    job_id=attempting.begun.job_id,
                    attempt=attempting.begun.attempts,
                    endpoint=attempting.endpoint,
                ),
            ):
                yield
        finally:
            if final and attempting.counted:
                attempting.counted = False  # for good: a later phase does not count it again
                metrics.IN_FLIGHT.dec()

    def _read(self, attempting: Attempting) -> Job:
        raw = attempting.raw = load(attempting.begun.doc)
        attempting.endpoint = endpoint_of(raw)
        bind_contextvars(endpoint=attempting.endpoint)
        job = attempting.job = self._secrets.job(raw, attempting.begun.job_id, attempting.redactor)
        log.debug("job_received")
        return job

    def _attempt(self, attempting: Attempting) -> Attempt:
        """The attempt, blocking: the job read (unless ``send`` did), its call made."""
        begun = attempting.begun
        try:
            job = attempting.job or self._read(attempting)
            with attempting.call:
                if job.variables.input.invocation_type is InvocationType.ASYNC:
                    response = asynchronous.start(
                        job,
                        attempting.raw.get("variables"),
                        begun,
                        self._clients,
                        self.store,
                        self._settings,
                    )
                else:
                    response = self._invoke(job)
            if response is None:
                return labelled(attempting, None)
            return self._completed(attempting, response)
        except SmqError as exc:
            return self._failed(attempting, exc)
        except Exception as exc:
            return self._crashed(attempting, exc)

    def _completed(self, attempting: Attempting, response: dict[str, Any]) -> Attempt:
        assert attempting.job is not None  # a call was made: the job was read
        result = publish.completed(attempting.job, response, attempting.begun.attempts)
        return labelled(attempting, result)

    def _crashed(self, attempting: Attempting, exc: Exception) -> Attempt:
        log.exception("job_crashed")
        error = SmqError(f"unexpected {type(exc).__name__} while running the job")
        return self._failed(attempting, error)

    def _failed(self, attempting: Attempting, error: SmqError) -> Attempt:
        raw = attempting.raw
        correlation = raw.get("correlation") if isinstance(raw, dict) else None
        result = publish.failed(
            attempting.begun.job_id,
            error,
            redactor=attempting.redactor,
            correlation=correlation if isinstance(correlation, dict) else None,
            attempts=attempting.begun.attempts,
        )
        return labelled(attempting, result)

    def _schedule_retry(self, decision: RetryLater, attempt: Attempt) -> None:
        error, job = decision.result.error, attempt.job
        assert error is not None and job is not None  # decide() retries only such failures
        retry.schedule(self.store.redis, self._settings, job.id, decision.delay, error.code)
        metrics.retry_scheduled(attempt.endpoint, error.code)
        log.info(
            "retry_scheduled",
            error_code=error.code,
            max_attempts=max_attempts(job),
            delay_s=round(decision.delay, 3),
        )

    def _invoke(self, job: Job) -> dict[str, Any]:
        inp = job.variables.input
        request = realtime.build_request(inp, job.id)
        client = self._clients.runtime(job.variables, _read_timeout(job, self._settings))
        started = time.perf_counter()
        try:
            response = realtime.invoke(client, request)
        except SmqError as exc:
            log.info("endpoint_failed", error_code=exc.code, duration_ms=_ms_since(started))
            raise
        log.debug(
            "endpoint_invoked",
            duration_ms=_ms_since(started),
            content_type=response["contentType"],
        )
        return response


def _read_timeout(job: Job, settings: WorkerSettings) -> float | None:
    """A ``jobTimeout`` header shorter than the read timeout bounds the call; None otherwise."""
    limit = job.headers.job_timeout
    if limit is None or limit.total_seconds() >= settings.read_timeout:
        return None
    return max(1.0, limit.total_seconds())


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)
