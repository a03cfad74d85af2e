"""One job attempt, start to finish: read the job, resolve secrets, invoke the endpoint, then
carry out what ``worker.decision`` decides (post, retry later, or leave it to the poller).

Every outcome, including a job that cannot be read or an unexpected exception, becomes a
result on the stream: a job never disappears into a log line.
"""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, bound_contextvars

from producer.contract import InvocationType, Job, Result
from producer.errors import InputError, SmqError
from worker import metrics, publish, retry
from worker.decision import Attempt, AwaitPoller, Decision, RetryLater, decide
from worker.logs import redacting
from worker.outcome import Kind, Outcome
from worker.retry import max_attempts
from worker.sagemaker import asynchronous, realtime
from worker.sagemaker.clients import ClientCache
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

    def execute(self, begun: Begun) -> Outcome:
        """Run one begun job; what it came to (the message's task reports it to Flower)."""
        if begun.handled:
            log.info("job_already_" + str(begun.state), job_id=begun.job_id)
            return Outcome(begun.job_id, Kind.HANDLED)
        started = time.perf_counter()
        redactor = Redactor()
        metrics.IN_FLIGHT.inc()
        try:
            with (
                redacting(redactor),
                bound_contextvars(job_id=begun.job_id, attempt=begun.attempts, endpoint=None),
            ):
                attempt = self._attempt(begun, redactor)
                decision = decide(attempt, self._settings, redactor)
                return self._carry_out(decision, attempt, begun, started)
        finally:
            metrics.IN_FLIGHT.dec()

    def reject(self, message_id: str, error: SmqError) -> None:
        """Answer a message that names no job: a failed result on the default stream."""
        result = publish.failed(message_id, error, redactor=Redactor())
        publish.post(self.store.redis, self._settings, result, self._settings.result_stream)

    def _attempt(self, begun: Begun, redactor: Redactor) -> Attempt:
        raw: Any = None
        job: Job | None = None
        call = _Call()
        try:
            raw = _load(begun.doc)
            bind_contextvars(endpoint=_endpoint_of(raw))
            job = self._secrets.job(raw, begun.job_id, redactor)
            log.debug("job_received")
            with call:
                if job.variables.input.invocation_type is InvocationType.ASYNC:
                    response = asynchronous.start(
                        job, raw.get("variables"), begun, self._clients, self.store, self._settings
                    )
                else:
                    response = self._invoke(job)
            if response is None:
                return _labelled(begun, job, raw, None, call)
            return _labelled(
                begun, job, raw, publish.completed(job, response, begun.attempts), call
            )
        except SmqError as exc:
            error = exc
        except Exception as exc:  # the worker must answer every job, whatever went wrong
            log.exception("job_crashed")
            error = SmqError(f"unexpected {type(exc).__name__} while running the job")
        correlation = raw.get("correlation") if isinstance(raw, dict) else None
        result = publish.failed(
            begun.job_id,
            error,
            redactor=redactor,
            correlation=correlation if isinstance(correlation, dict) else None,
            attempts=begun.attempts,
        )
        return _labelled(begun, job, raw, result, call)

    def _carry_out(
        self, decision: Decision, attempt: Attempt, begun: Begun, started: float
    ) -> Outcome:
        error = attempt.result.error if attempt.result else None
        outcome = error.code if error else "completed"
        metrics.attempt_finished(
            attempt.endpoint, attempt.invocation_type, outcome, attempt.seconds
        )
        if isinstance(decision, AwaitPoller):
            return Outcome(begun.job_id, Kind.AWAITING)
        if isinstance(decision, RetryLater):
            self._schedule_retry(decision, attempt)
            return Outcome(begun.job_id, Kind.RETRYING, decision.result, decision.delay)
        result = decision.result
        stream = begun.reply_to or self._settings.result_stream
        entry = self._poster.post(result, stream)
        log.info(
            "result_posted" if entry else "result_already_posted",
            status=result.status,
            error_code=result.error.code if result.error else None,
            stream=stream,
            attempts=result.attempts,
            duration_ms=_ms_since(started),
        )
        return Outcome.posted(result)

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


class _Call:
    """Times the SageMaker call of an attempt (seconds stays None when none was made)."""

    __slots__ = ("_started", "seconds")

    def __init__(self) -> None:
        self.seconds: float | None = None

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._started


def _labelled(
    begun: Begun, job: Job | None, raw: Any, result: Result | None, call: _Call
) -> Attempt:
    """The attempt, labelled for the metrics by the job's endpoint and invocation type (as
    submitted when the job is not valid)."""
    if job is not None:
        endpoint, kind = job.variables.input.endpoint_name, job.variables.input.invocation_type
    else:
        endpoint, kind = (_endpoint_of(raw) or "")[:63], _invocation_type_of(raw)
    return Attempt(begun.job_id, begun.attempts, job, result, endpoint, str(kind), call.seconds)


def _load(doc: str | None) -> dict[str, Any]:
    if doc is None:
        raise InputError(
            "no job is stored under this id (never submitted, or expired)", code="JobNotFound"
        )
    try:
        raw = json.loads(doc)
    except ValueError:
        raise InputError("the stored job is not valid JSON", code="InvalidJob") from None
    if not isinstance(raw, dict):
        raise InputError("the stored job is not a JSON object", code="InvalidJob")
    return raw


def _endpoint_of(raw: Any) -> str | None:
    try:
        name = raw["variables"]["input"]["endpointName"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _invocation_type_of(raw: Any) -> str:
    try:
        value = str(raw["variables"]["input"].get("invocationType") or "SYNC").upper()
    except (KeyError, TypeError, AttributeError):
        return ""
    return value if value in InvocationType.__members__ else ""


def _read_timeout(job: Job, settings: WorkerSettings) -> float | None:
    """A ``jobTimeout`` header shorter than the read timeout bounds the call; None otherwise."""
    limit = job.headers.job_timeout
    if limit is None or limit.total_seconds() >= settings.read_timeout:
        return None
    return max(1.0, limit.total_seconds())


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
