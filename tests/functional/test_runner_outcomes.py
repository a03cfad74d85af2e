"""What ``JobRunner.execute`` reports for a job (the task's state in Flower) and what it
counts in the process's metrics, in process with a Stubber-wrapped SageMaker client."""

from __future__ import annotations

import uuid
from typing import Any

from prometheus_client import REGISTRY

from producer.submit import Producer
from tests.functional.conftest import job
from tests.functional.test_runner import answer, begin_one, model_error
from worker.outcome import Kind
from worker.runner import JobRunner
from worker.store import JobStore


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_attempt_is_counted_with_its_outcome_and_call_time(
    producer: Producer, store: JobStore, runner: JobRunner, runtime: Any
) -> None:
    endpoint = f"ep-{uuid.uuid4().hex[:8]}"
    sync = {"endpoint": endpoint, "invocation_type": "SYNC"}
    _, stub = runtime
    stub.add_client_error("invoke_endpoint", "ThrottlingException", "slow down", 400)
    model_error(stub, "ModelError", 424)
    stub.add_response("invoke_endpoint", answer({"ok": True}))
    posted_before = sample("smq_results_posted_total", status="completed", source="worker")

    retried = runner.execute(begin_one(producer, store, job(endpoint)))
    failed = runner.execute(begin_one(producer, store, {**job(endpoint), "retries": 1}))
    completed = runner.execute(begin_one(producer, store, job(endpoint)))
    missing = job(endpoint)
    missing["variables"]["authentication"]["secretKey"] = "{{secrets.NOT_THERE}}"
    unresolved = runner.execute(begin_one(producer, store, missing))

    assert [o.kind for o in (retried, failed, completed, unresolved)] == [
        Kind.RETRYING,
        Kind.FAILED,
        Kind.COMPLETED,
        Kind.FAILED,
    ]
    assert retried.retry_in is not None and retried.retry_in > 0
    for outcome in ("ThrottlingException", "ModelError", "completed", "SecretNotFound"):
        assert sample("smq_invocations_total", **sync, outcome=outcome) == 1, outcome
    # three calls reached SageMaker; the missing secret stopped the fourth before it
    assert sample("smq_invocation_duration_seconds_count", **sync) == 3
    assert (
        sample("smq_retries_scheduled_total", endpoint=endpoint, error_code="ThrottlingException")
        == 1
    )
    assert (
        sample("smq_results_posted_total", status="completed", source="worker") - posted_before == 1
    )
    assert sample("smq_jobs_in_flight") == 0


def test_a_job_that_is_not_valid_is_counted_under_its_submitted_labels(
    producer: Producer, store: JobStore, runner: JobRunner, redis: Any
) -> None:
    endpoint = f"ep-{uuid.uuid4().hex[:8]}"
    document = job(endpoint, invocationType="async")
    [sub] = producer.submit_many([document])
    # Spoil the stored job after submission (as a producer that skipped validation would).
    stored = redis.hget(f"smq:job:{sub.job_id}", "doc")
    assert '"configuration"' in stored
    redis.hset(f"smq:job:{sub.job_id}", "doc", stored.replace('"configuration"', '"nope"'))
    [begun] = store.begin([sub.job_id])

    outcome = runner.execute(begun)

    assert outcome.kind is Kind.FAILED
    assert outcome.result is not None and outcome.result.error is not None
    code = outcome.result.error.code
    assert (
        sample("smq_invocations_total", endpoint=endpoint, invocation_type="ASYNC", outcome=code)
        == 1
    )
