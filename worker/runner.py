"""One job, start to finish: load it, resolve secrets, invoke the endpoint, post the result.

Every outcome, including a job that cannot be read or an unexpected exception, becomes a
result on the stream: a job never disappears into a log line.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import structlog

from producer.connection import LuaScript, RedisClient
from producer.contract import InvocationType, Job, Result, parse_job
from producer.errors import InputError, SmqError
from producer.keys import MAX_IDS_PER_MESSAGE, QUEUED, JobField, JobState, job_key
from worker import expressions, publish, retry
from worker.logs import redacting
from worker.poller.pending import PendingStore, Tracked, access_json
from worker.poller.schedule import check_interval
from worker.retry import max_attempts, retry_delay
from worker.sagemaker import asynchronous, realtime
from worker.sagemaker.clients import ClientCache
from worker.secrets import Redactor, resolve
from worker.settings import WorkerSettings

log = structlog.get_logger("worker.job")
_BEGIN = LuaScript.beside(__file__, "begin.lua")
# SageMaker's defaults when a job sets neither (seconds).
DEFAULT_REQUEST_TTL = 6 * 3600
DEFAULT_INVOCATION_TIMEOUT = 15 * 60


@dataclass
class _Begun:
    doc: str | None
    state: str | None
    attempts: int
    reply_to: str | None
    staged_input: str | None


@dataclass
class _Outcome:
    result: Result | None  # None: nothing to post now (async inference tracked)
    endpoint: str | None
    job: Job | None  # None when the job could not be read


class JobRunner:
    """Runs jobs against SageMaker; one per worker process, shared by its threads."""

    def __init__(
        self,
        redis: RedisClient,
        settings: WorkerSettings,
        clients: ClientCache | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._redis = redis
        self._settings = settings
        self._clients = clients or ClientCache(settings)
        self._environ = os.environ if environ is None else environ
        self._pending = PendingStore(redis, settings.job_ttl_seconds)
        self._pool: ThreadPoolExecutor | None = None
        self._poster = publish.GroupPoster(redis, settings)
        self._executor_lock = threading.Lock()

    def run(self, job_id: str) -> Result | None:
        """Run one job; returns the posted result, or None when it was already done."""
        return self._run(job_id, self._begin([job_id])[0])

    def run_many(self, job_ids: Sequence[str]) -> list[Result | None]:
        """Run the jobs of one message in parallel (one Redis round trip begins them all),
        so the message is done, and acked, within one call's time, as a single job is."""
        ids = list(dict.fromkeys(job_ids))  # an id twice in one message runs once
        begun = self._begin(ids)
        pool = self._executor()
        rest = [
            pool.submit(self._run, job_id, b) for job_id, b in zip(ids[1:], begun[1:], strict=True)
        ]
        try:
            results = [self._run(ids[0], begun[0])]
        finally:
            wait(rest)  # never leave a message's jobs running after it is acked
        return results + [future.result() for future in rest]

    def _executor(self) -> ThreadPoolExecutor:
        """Threads for a message's second and later jobs, started only as needed.

        Sized for the largest message any producer may send, not this process's batch size:
        a job queued behind a full pool would hold its message past the visibility timeout.
        """
        with self._executor_lock:
            if self._pool is None:
                size = self._settings.worker_concurrency * (MAX_IDS_PER_MESSAGE - 1)
                self._pool = ThreadPoolExecutor(size, thread_name_prefix="smq-job")
            return self._pool

    def _run(self, job_id: str, begun: _Begun) -> Result | None:
        started = time.perf_counter()
        if begun.state in (JobState.DONE, JobState.INVOKED):
            # A redelivered or duplicate message: the result is posted, or the poller is
            # tracking it.
            log.info("job_already_" + begun.state, job_id=job_id)
            return None
        redactor = Redactor()
        with redacting(redactor):
            outcome = self._execute(job_id, begun, redactor)
            result, endpoint = outcome.result, outcome.endpoint
            if result is None:
                return None  # an asynchronous inference, now tracked by the poller
            decided = self._apply_error_expression(outcome, begun.attempts, redactor)
            if decided is result and self._retry_later(outcome, begun.attempts):
                return None
            result = decided
            stream = begun.reply_to or self._settings.result_stream
            entry = self._poster.post(result, stream)
            log.info(
                "result_posted" if entry else "result_already_posted",
                job_id=job_id,
                endpoint=endpoint,
                status=result.status,
                error_code=result.error.code if result.error else None,
                stream=stream,
                attempts=result.attempts,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        return result

    @property
    def redis(self) -> RedisClient:
        return self._redis

    def reject(self, message_id: str, error: SmqError) -> None:
        """Answer a message that names no job: a failed result on the default stream."""
        result = publish.failed(message_id, error, redactor=Redactor())
        publish.post(self._redis, self._settings, result, self._settings.result_stream)

    def _begin(self, job_ids: list[str]) -> list[_Begun]:
        now = repr(time.time())
        calls = [([job_key(job_id), QUEUED], [now, job_id]) for job_id in job_ids]
        records = _BEGIN.run_many(self._redis, calls)
        return [
            _Begun(doc, state, int(attempts or 0), reply_to, staged)
            for doc, state, attempts, reply_to, staged in records
        ]

    def _execute(self, job_id: str, begun: _Begun, redactor: Redactor) -> _Outcome:
        raw: Any = None
        job: Job | None = None
        try:
            if begun.doc is None:
                raise InputError(
                    "no job is stored under this id (never submitted, or expired)",
                    code="JobNotFound",
                )
            raw = _load(begun.doc)
            job = self._prepare(raw, job_id, redactor)
            endpoint = job.variables.input.endpoint_name
            log.debug("job_received", job_id=job_id, endpoint=endpoint, attempt=begun.attempts)
            if job.variables.input.invocation_type is InvocationType.ASYNC:
                response = self._start_async(job, raw, begun)
                if response is None:
                    return _Outcome(None, endpoint, job)
            else:
                response = self._invoke(job)
            return _Outcome(publish.completed(job, response, begun.attempts), endpoint, job)
        except SmqError as exc:
            error = exc
        except Exception as exc:  # the worker must answer every job, whatever went wrong
            log.exception("job_crashed", job_id=job_id)
            error = SmqError(f"unexpected {type(exc).__name__} while running the job")
        correlation = raw.get("correlation") if isinstance(raw, dict) else None
        result = publish.failed(
            job_id,
            error,
            redactor=redactor,
            correlation=correlation if isinstance(correlation, dict) else None,
            attempts=begun.attempts,
        )
        return _Outcome(result, _endpoint_of(raw), job)

    def _apply_error_expression(
        self, outcome: _Outcome, attempts: int, redactor: Redactor
    ) -> Result:
        """The job's ``errorExpression`` verdict on this attempt; the same result when it has
        none (default handling: retry what is retryable)."""
        result, job = outcome.result, outcome.job
        assert result is not None
        if job is None:
            return result
        try:
            return expressions.apply_error_expression(job, result, max_attempts(job) - attempts)
        except SmqError as exc:
            return publish.failed(
                job.id, exc, redactor=redactor, correlation=job.correlation, attempts=attempts
            )

    def _retry_later(self, outcome: _Outcome, attempts: int) -> bool:
        """Schedule another attempt when the failure is retryable and attempts remain."""
        result, job = outcome.result, outcome.job
        error = result.error if result is not None else None
        if job is None or error is None or not error.retryable or attempts >= max_attempts(job):
            return False
        delay = retry_delay(job, attempts, self._settings)
        retry.schedule(self._redis, self._settings, job.id, delay, error.code)
        log.info(
            "retry_scheduled",
            job_id=job.id,
            endpoint=outcome.endpoint,
            error_code=error.code,
            attempt=attempts,
            max_attempts=max_attempts(job),
            delay_s=round(delay, 3),
        )
        return True

    def _prepare(self, raw: dict[str, Any], job_id: str, redactor: Redactor) -> Job:
        """Resolve secrets, then validate: the resolved values never leave this function's job."""
        variables = resolve(
            raw.get("variables"), self._environ, self._settings.secret_prefix, redactor
        )
        job = parse_job({**raw, "id": job_id, "variables": variables})
        auth = job.variables.auth
        if auth is not None:
            for value in (auth.access_key, auth.secret_key, auth.session_token):
                redactor.add(value)
        return job

    def _start_async(self, job: Job, raw: dict[str, Any], begun: _Begun) -> dict[str, Any] | None:
        """Start the inference; None once it is tracked, or Camunda's three locations at once
        when the job says ``awaitCompletion: false``."""
        inp = job.variables.input
        location = inp.input_location or begun.staged_input
        if location is None:
            location = asynchronous.staging_location(self._settings.staging_s3_uri, job.id)
            asynchronous.stage_body(self._clients.s3(job.variables), inp, location)
            self._redis.hset(job_key(job.id), JobField.STAGED_INPUT, location)
        request = asynchronous.build_request(inp, job.id, location)
        started = asynchronous.invoke(self._clients.runtime(job.variables), request)
        log.info(
            "async_invoked",
            job_id=job.id,
            endpoint=inp.endpoint_name,
            inference_id=started.inference_id,
            output_location=started.output_location,
        )
        if not inp.await_completion:
            return started.response()
        now = time.time()
        ttl = inp.request_ttl_seconds or DEFAULT_REQUEST_TTL
        timeout = inp.invocation_timeout_seconds or DEFAULT_INVOCATION_TIMEOUT
        tracked = Tracked(
            job_id=job.id,
            context_json=job.context_json(),
            access_json=access_json(raw.get("variables") or {}),
            attempts=begun.attempts,
            endpoint=inp.endpoint_name,
            reply_to=begun.reply_to,
        )
        self._pending.track(
            tracked,
            started,
            deadline=now + ttl + timeout + self._settings.async_deadline_margin,
            first_check=now + check_interval(0, self._settings.async_backoff_initial, 1e9),
        )
        return None

    def _invoke(self, job: Job) -> dict[str, Any]:
        inp = job.variables.input
        request = realtime.build_request(inp, job.id)
        client = self._clients.runtime(job.variables, _read_timeout(job, self._settings))
        started = time.perf_counter()
        try:
            response = realtime.invoke(client, request)
        except SmqError as exc:
            log.info(
                "endpoint_failed",
                job_id=job.id,
                endpoint=inp.endpoint_name,
                error_code=exc.code,
                duration_ms=_ms_since(started),
            )
            raise
        log.debug(
            "endpoint_invoked",
            job_id=job.id,
            endpoint=inp.endpoint_name,
            duration_ms=_ms_since(started),
            content_type=response["contentType"],
        )
        return response


def _load(doc: str) -> dict[str, Any]:
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


def _read_timeout(job: Job, settings: WorkerSettings) -> float | None:
    """A ``jobTimeout`` header shorter than the read timeout bounds the call; None otherwise."""
    limit = job.headers.job_timeout
    if limit is None or limit.total_seconds() >= settings.read_timeout:
        return None
    return max(1.0, limit.total_seconds())


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
