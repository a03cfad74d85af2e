"""The poller in process: an async job started by the runner, its output or failure landing in
S3 (moto's server), and one ``Poller.run_once`` pass finishing it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import ANY

from ops.local import wait_until
from producer.connection import RedisClient
from producer.keys import ASYNC_DUE, JobField, JobState, job_key
from producer.submit import Producer
from tests.functional.conftest import BUCKET, SECRETS, Clients, job
from worker.poller.loop import Poller
from worker.runner import JobRunner
from worker.secrets import Secrets
from worker.settings import WorkerSettings
from worker.store import JobStore


@pytest.fixture
def settings(redis_service: Any) -> WorkerSettings:
    # Checks due at once, so a test waits on outcomes, not on backoff.
    return WorkerSettings(
        redis_url=redis_service.url,
        staging_s3_uri=f"s3://{BUCKET}/inline",
        result_stream="functional:poller",
        async_backoff_initial=0.01,
        async_backoff_max=0.05,
    )


@pytest.fixture
def poller(redis: RedisClient, settings: WorkerSettings, s3: Any) -> Any:
    clients = Clients(None, s3)
    poller = Poller(redis, settings, clients=clients, secrets=Secrets("SECRET_", SECRETS))
    yield poller, clients
    poller.close()


def start_async(
    producer: Producer, store: JobStore, runner: JobRunner, runtime: Any, **headers: str
) -> str:
    document = job(invocationType="ASYNC", inputLocation=f"s3://{BUCKET}/in/x.json")
    document["headers"].update(headers)
    job_id = document["id"]
    _, stub = runtime
    stub.add_response(
        "invoke_endpoint_async",
        {
            "InferenceId": job_id,
            "OutputLocation": f"s3://{BUCKET}/out/{job_id}.out",
            "FailureLocation": f"s3://{BUCKET}/fail/{job_id}-error.out",
        },
        {
            "EndpointName": "churn",
            "InputLocation": ANY,
            "ContentType": ANY,
            "Accept": ANY,
            "InferenceId": job_id,
        },
    )
    producer.submit(document)
    [begun] = store.begin([job_id])
    assert runner.run(begun) is None
    return job_id


def finish(poller: Poller, redis: RedisClient, stream: str, job_id: str) -> dict[str, Any]:
    """Run passes until the job's result is on the stream; the result."""
    found: list[dict[str, Any]] = []

    def posted() -> bool:
        poller.run_once()
        found.extend(json.loads(f["result"]) for _, f in redis.xrange(stream) if f["id"] == job_id)
        return bool(found)

    wait_until(posted, 10, f"the poller to post {job_id}")
    return found[0]


def test_an_output_that_lands_completes_the_job_with_the_parsed_body(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    poller: Any,
    redis: RedisClient,
    s3: Any,
    settings: WorkerSettings,
) -> None:
    # Given a tracked inference whose output object lands
    job_id = start_async(producer, store, runner, runtime)
    s3.put_object(
        Bucket=BUCKET,
        Key=f"out/{job_id}.out",
        Body=b'{"score": 0.4}',
        ContentType="application/json",
    )
    the_poller, clients = poller

    # When the poller passes
    result = finish(the_poller, redis, settings.result_stream, job_id)

    # Then the job is completed with the output, as the real-time path would give it
    assert result["status"] == "completed"
    assert result["response"]["body"] == {"score": 0.4}
    assert result["response"]["outputLocation"] == f"s3://{BUCKET}/out/{job_id}.out"
    assert result["variables"]["prediction"]["body"] == {"score": 0.4}
    assert result["correlation"] == {"elementId": "Score"}
    assert redis.hget(job_key(job_id), JobField.STATE) == JobState.DONE
    assert redis.zscore(ASYNC_DUE, job_id) is None
    # and S3 was read with the job's own credentials, resolved by the poller's secrets
    assert clients.access[-1].auth.access_key == SECRETS["SECRET_AWS_ACCESS_KEY"]


def test_a_failure_object_fails_the_job_with_its_text(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    poller: Any,
    redis: RedisClient,
    s3: Any,
    settings: WorkerSettings,
) -> None:
    job_id = start_async(producer, store, runner, runtime)
    s3.put_object(Bucket=BUCKET, Key=f"fail/{job_id}-error.out", Body=b"CUDA out of memory")

    result = finish(poller[0], redis, settings.result_stream, job_id)

    assert result["status"] == "failed"
    assert result["error"]["code"] == "AsyncInferenceFailed"
    assert result["error"]["message"] == "CUDA out of memory"


def test_an_inference_past_its_deadline_times_out_and_its_error_expression_runs(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    poller: Any,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    job_id = start_async(
        producer,
        store,
        runner,
        runtime,
        errorExpression='=bpmnError("LATE", error.code)',
    )
    redis.hset(job_key(job_id), JobField.DEADLINE, 1)  # long past

    result = finish(poller[0], redis, settings.result_stream, job_id)

    assert result["status"] == "bpmnError"
    assert (result["error"]["code"], result["error"]["message"]) == (
        "LATE",
        "AsyncInferenceTimeout",
    )
