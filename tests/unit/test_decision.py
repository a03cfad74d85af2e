"""``worker.decision.decide``: every way an attempt's outcome can go, as rows of a table."""

from __future__ import annotations

from typing import Any

import pytest

from producer.contract import ErrorInfo, Result, parse_job
from worker.decision import Attempt, AwaitPoller, Post, RetryLater, decide
from worker.secrets import Redactor
from worker.settings import WorkerSettings

SETTINGS = WorkerSettings(retry_backoff_initial=1.0, retry_backoff_max=8.0)


def job(retries: int = 3, **headers: str) -> Any:
    return parse_job(
        {
            "id": "j1",
            "variables": {
                "authentication": {"type": "defaultCredentialsChain"},
                "configuration": {"region": "us-east-1"},
                "input": {"endpointName": "e", "body": {}},
            },
            "headers": headers,
            "retries": retries,
        }
    )


def completed(attempts: int = 1) -> Result:
    return Result(id="j1", status="completed", response={"body": {"ok": True}}, attempts=attempts)


def failed(code: str, retryable: bool, attempts: int = 1) -> Result:
    error = ErrorInfo(type="aws", code=code, message="boom", retryable=retryable)
    return Result(id="j1", status="failed", error=error, attempts=attempts)


ROWS = [
    # (name, job, result, attempt number, expected decision type, expected status or None)
    ("completed is posted", job(), completed(), 1, Post, "completed"),
    ("permanent failure is posted", job(), failed("ModelError", False), 1, Post, "failed"),
    ("retryable, attempts left", job(3), failed("Throttling", True), 1, RetryLater, None),
    ("retryable, second of three", job(3), failed("Internal", True, 2), 2, RetryLater, None),
    ("retryable, last attempt", job(3), failed("Internal", True, 3), 3, Post, "failed"),
    ("retries 0: one attempt", job(0), failed("Throttling", True), 1, Post, "failed"),
    (
        "bpmnError from the expression is posted",
        job(errorExpression='=bpmnError("E1", error.message)'),
        failed("ModelError", False), 1, Post, "bpmnError",
    ),
    (
        "jobError stops the queue's own retries",
        job(errorExpression='=jobError("again", {}, 2, @"PT5S")'),
        failed("ThrottlingException", True), 1, Post, "failed",
    ),
    (
        "ignoreError completes",
        job(errorExpression="=ignoreError({fallback: true})"),
        failed("ThrottlingException", True), 1, Post, "completed",
    ),
    (
        "a null verdict keeps the default retry",
        job(errorExpression="=null"),
        failed("ThrottlingException", True), 1, RetryLater, None,
    ),
    (
        "a broken expression fails the job without retry",
        job(errorExpression="=bpmnError(("),
        failed("ThrottlingException", True), 1, Post, "failed",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "the_job", "result", "attempts", "kind", "status"), ROWS)
def test_decide(
    name: str, the_job: Any, result: Result, attempts: int, kind: type, status: str | None
) -> None:
    decision = decide(Attempt("j1", attempts, the_job, result), SETTINGS, Redactor())

    assert isinstance(decision, kind), name
    if status is not None:
        assert isinstance(decision, Post)
        assert decision.result.status == status


def test_an_async_start_awaits_the_poller() -> None:
    assert isinstance(decide(Attempt("j1", 1, job(), None), SETTINGS, Redactor()), AwaitPoller)


def test_an_unreadable_job_is_posted_as_it_failed_even_when_retryable() -> None:
    result = failed("ThrottlingException", True)

    decision = decide(Attempt("j1", 1, None, result), SETTINGS, Redactor())

    assert decision == Post(result)


def test_a_broken_expression_names_the_problem() -> None:
    the_job = job(errorExpression="=bpmnError((")

    decision = decide(Attempt("j1", 1, the_job, failed("X", True)), SETTINGS, Redactor())

    assert isinstance(decision, Post) and decision.result.error is not None
    assert decision.result.error.code == "InvalidExpression"


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 0.8, 1.2), (2, 1.6, 2.4), (9, 6.4, 9.6)])
def test_the_retry_delay_doubles_to_the_cap_with_jitter(
    attempt: int, low: float, high: float
) -> None:
    decision = decide(Attempt("j1", attempt, job(20), failed("X", True)), SETTINGS, Redactor())

    assert isinstance(decision, RetryLater)
    assert low <= decision.delay <= high


def test_the_retry_backoff_header_sets_the_delay() -> None:
    the_job = job(3, retryBackoff="PT30S")

    decision = decide(Attempt("j1", 1, the_job, failed("X", True)), SETTINGS, Redactor())

    assert decision == RetryLater(failed("X", True), 30.0)


@pytest.mark.parametrize(
    ("retries", "attempt", "seen"), [(3, 1, 3), (3, 2, 2), (3, 3, 1), (0, 1, 0)]
)
def test_job_retries_in_the_expression_are_the_retries_as_the_attempt_began(
    retries: int, attempt: int, seen: int
) -> None:
    # Camunda's meaning: jobError(msg, {}, job.retries - 1) counts the engine's retries down.
    the_job = job(retries, errorExpression="=ignoreError({seen: job.retries})")

    decision = decide(Attempt("j1", attempt, the_job, failed("X", True)), SETTINGS, Redactor())

    assert isinstance(decision, Post)
    assert decision.result.variables == {"seen": seen}
