"""A message's task state from its jobs' outcomes (worker/outcome.py): what Flower shows."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from producer.contract import ErrorInfo, Result
from worker.outcome import JobsFailed, Kind, Outcome, RetryScheduled, report


def failed(job_id: str, code: str, message: str = "it broke") -> Outcome:
    error = ErrorInfo(type="aws", code=code, message=message, retryable=False, details={})
    return Outcome.posted(Result(id=job_id, status="failed", error=error, attempts=1))


def completed(job_id: str) -> Outcome:
    return Outcome.posted(Result(id=job_id, status="completed", attempts=1))


def retrying(job_id: str) -> Outcome:
    error = ErrorInfo(
        type="aws", code="ThrottlingException", message="slow", retryable=True, details={}
    )
    result = Result(id=job_id, status="failed", error=error, attempts=1)
    return Outcome(job_id, Kind.RETRYING, result, retry_in=2.0)


def test_completed_jobs_are_success_with_each_jobs_outcome() -> None:
    outcomes = [completed("a"), Outcome("b", Kind.AWAITING), Outcome("c", Kind.HANDLED)]

    assert report(outcomes) == {"a": "completed", "b": "awaiting", "c": "handled"}


def test_a_failed_job_is_failure_with_its_code_and_message() -> None:
    with pytest.raises(JobsFailed) as raised:
        report([failed("a", "ModelError", "bad shape: ****")])

    assert str(raised.value) == "1 of 1 job(s) failed: a: failed ModelError: bad shape: ****"


def test_a_bulk_message_fails_if_any_job_failed_and_lists_failures_first() -> None:
    with pytest.raises(JobsFailed) as raised:
        report([completed("a"), retrying("b"), failed("c", "ValidationError")])

    assert str(raised.value) == (
        "1 of 3 job(s) failed: c: failed ValidationError: it broke; a: completed; "
        "b: retrying ThrottlingException, next attempt in 2.0s"
    )


def test_a_retry_without_failures_is_retry_which_celery_does_not_republish() -> None:
    with pytest.raises(RetryScheduled) as raised:
        report([completed("a"), retrying("b")])

    # A Retry raised by hand carries no signature: Celery's tracer only records the state.
    assert isinstance(raised.value, Retry) and raised.value.sig is None
    assert repr(raised.value) == (
        "RetryScheduled('retry scheduled: a: completed; "
        "b: retrying ThrottlingException, next attempt in 2.0s')"
    )


def test_long_messages_are_cut_so_events_stay_small() -> None:
    outcomes = [failed(f"job-{n:02d}", "ModelError", "x" * 1000) for n in range(64)]

    with pytest.raises(JobsFailed) as raised:
        report(outcomes)

    assert len(str(raised.value)) < 2100
