"""What an attempt's outcome leads to — post a result, retry later, or wait for the poller —
as a pure function of the outcome, the job and the settings.

Kept apart from the runner so every branch is a row in a table test: no Redis, no AWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from producer.contract import Job, Result
from producer.errors import SmqError
from worker import expressions, publish
from worker.retry import max_attempts, retries_as_activated, retry_delay
from worker.secrets import Redactor
from worker.settings import WorkerSettings


@dataclass(frozen=True)
class Attempt:
    """One attempt's outcome, before the job's ``errorExpression`` and the retry policy."""

    job_id: str
    attempts: int  # this attempt's number
    job: Job | None  # None: the stored job could not be read or validated
    result: Result | None  # None: an asynchronous inference started and is tracked
    # For the metrics: labels, and how long the SageMaker call took (None: no call made).
    endpoint: str = ""
    invocation_type: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class Post:
    """Post this result: the job is finished."""

    result: Result


@dataclass(frozen=True)
class RetryLater:
    """Run the job again after ``delay`` seconds; ``result`` is the failure being retried."""

    result: Result
    delay: float


@dataclass(frozen=True)
class AwaitPoller:
    """Nothing to post now: the poller posts the result when the inference's output lands."""


Decision = Post | RetryLater | AwaitPoller


def decide(attempt: Attempt, settings: WorkerSettings, redactor: Redactor) -> Decision:
    """The job's ``errorExpression`` has the first word; without a verdict from it, a
    retryable failure with attempts left is retried and anything else is posted."""
    result, job = attempt.result, attempt.job
    if result is None:
        return AwaitPoller()
    if job is None:
        return Post(result)
    verdict = _error_expression(job, result, attempt.attempts, redactor)
    if verdict is not None:
        return Post(verdict)
    error = result.error
    if error is not None and error.retryable and attempt.attempts < max_attempts(job):
        return RetryLater(result, retry_delay(job, attempt.attempts, settings))
    return Post(result)


def _error_expression(job: Job, result: Result, attempts: int, redactor: Redactor) -> Result | None:
    """The expression's result, or None when the job has none or it yields null; a broken
    expression fails the job (an input error: no retry)."""
    try:
        return expressions.error_verdict(job, result, retries_as_activated(job, attempts))
    except SmqError as exc:
        return publish.failed(
            job.id, exc, redactor=redactor, correlation=job.correlation, attempts=attempts
        )
