"""A job's path through ``JobRunner`` in process: submit, begin, run, and what Redis holds."""

from __future__ import annotations

import io
import json
from typing import Any

from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from producer.connection import RedisClient
from producer.keys import ASYNC_DUE, RETRY_DUE, JobField, JobState, job_key
from producer.submit import Producer
from tests.functional.conftest import BUCKET, SECRETS, Clients, job
from worker.runner import JobRunner
from worker.settings import WorkerSettings
from worker.store import JobStore
from worker.tasks import MessageJobs


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def answer(payload: Any) -> dict[str, Any]:
    data = json.dumps(payload).encode()
    return {"Body": body(data), "ContentType": "application/json", "InvokedProductionVariant": "v1"}


def model_error(stub: Stubber, code: str, status: int) -> None:
    stub.add_client_error("invoke_endpoint", code, "it broke", status)


def begin_one(producer: Producer, store: JobStore, document: dict[str, Any]) -> Any:
    [sub] = producer.submit_many([document])
    [begun] = store.begin([sub.job_id])
    return begun


def entries(redis: RedisClient, stream: str) -> list[dict[str, Any]]:
    return [json.loads(f["result"]) for _, f in redis.xrange(stream)]


def test_a_realtime_job_is_invoked_with_its_input_and_posted_once(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    clients: Clients,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    # Given a stored job and an endpoint that answers
    document = job(contentType="application/json")
    _, stub = runtime
    stub.add_response(
        "invoke_endpoint",
        answer({"score": 0.8}),
        {
            "EndpointName": "churn",
            "Body": b'{"x":[1,2]}',
            "ContentType": "application/json",
            "Accept": "application/json",
            "InferenceId": document["id"],
        },
    )
    begun = begin_one(producer, store, document)

    # When the runner runs it
    result = runner.run(begun)

    # Then it is completed with the response under the result variable, posted on the stream,
    # and the job's credentials were resolved from the injected secrets
    assert result is not None and result.status == "completed"
    assert result.variables["prediction"]["body"] == {"score": 0.8}
    assert result.attempts == 1
    assert [e["id"] for e in entries(redis, settings.result_stream)] == [document["id"]]
    assert redis.hget(job_key(document["id"]), JobField.STATE) == JobState.DONE
    assert clients.access[0].auth.secret_key == SECRETS["SECRET_AWS_SECRET_KEY"]

    # And a redelivered message for the same job invokes nothing and posts nothing
    [again] = store.begin([document["id"]])
    assert again.handled
    assert runner.run(again) is None
    assert len(entries(redis, settings.result_stream)) == 1


def test_a_model_error_fails_after_one_invocation(
    producer: Producer, store: JobStore, runner: JobRunner, runtime: Any
) -> None:
    _, stub = runtime
    model_error(stub, "ModelError", 424)
    begun = begin_one(producer, store, {**job(), "retries": 5})

    result = runner.run(begun)

    assert result is not None and result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.type, result.error.retryable) == (
        "ModelError",
        "aws",
        False,
    )


def test_a_throttled_job_is_parked_for_a_retry_with_its_backoff(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    _, stub = runtime
    model_error(stub, "ThrottlingException", 429)
    begun = begin_one(producer, store, job())

    result = runner.run(begun)

    # Nothing posted; the job waits in the retry set, due after its retryBackoff (PT2S)
    assert result is None
    record = redis.hgetall(job_key(begun.job_id))
    assert record[JobField.STATE] == JobState.RETRYING
    assert record[JobField.LAST_ERROR] == "ThrottlingException"
    waiting = [json.loads(m) for m, _ in redis.zrange(RETRY_DUE, 0, -1, withscores=True)]
    assert begun.job_id in [m["headers"]["id"] for m in waiting]
    assert float(record[JobField.NEXT_ATTEMPT_AT]) - float(record[JobField.STARTED_AT]) >= 1.9
    assert redis.xlen(settings.result_stream) == 0
    redis.zremrangebyscore(RETRY_DUE, "-inf", "+inf")


def test_a_missing_secret_fails_the_job_without_invoking(
    producer: Producer, store: JobStore, runner: JobRunner
) -> None:
    document = job()
    document["variables"]["authentication"]["secretKey"] = "{{secrets.NOT_CONFIGURED}}"
    begun = begin_one(producer, store, document)

    result = runner.run(begun)  # the Stubber has no response queued: an invocation would raise

    assert result is not None and result.error is not None
    assert result.error.code == "SecretNotFound"
    assert SECRETS["SECRET_AWS_ACCESS_KEY"] not in result.model_dump_json()


def test_an_id_with_no_stored_job_is_answered(store: JobStore, runner: JobRunner) -> None:
    [begun] = store.begin(["never-submitted"])

    result = runner.run(begun)

    assert result is not None and result.error is not None
    assert result.error.code == "JobNotFound"


def test_an_async_job_is_staged_started_and_handed_to_the_poller(
    producer: Producer,
    store: JobStore,
    runner: JobRunner,
    runtime: Any,
    redis: RedisClient,
    s3: Any,
) -> None:
    # Given an async job with an inline body (staged to SMQ_STAGING_S3_URI)
    document = job(invocationType="ASYNC")
    _, stub = runtime
    staged = f"s3://{BUCKET}/inline/{document['id']}.in"
    stub.add_response(
        "invoke_endpoint_async",
        {
            "InferenceId": document["id"],
            "OutputLocation": f"s3://{BUCKET}/out/{document['id']}.out",
            "FailureLocation": f"s3://{BUCKET}/fail/{document['id']}.err",
        },
        {
            "EndpointName": "churn",
            "InputLocation": staged,
            "ContentType": ANY,
            "Accept": ANY,
            "InferenceId": document["id"],
        },
    )
    begun = begin_one(producer, store, document)

    # When the runner runs it
    result = runner.run(begun)

    # Then nothing is posted yet: the body is in S3, the job is tracked and due for a check
    assert result is None
    assert s3.get_object(Bucket=BUCKET, Key=f"inline/{document['id']}.in")["Body"].read() == (
        b'{"x":[1,2]}'
    )
    assert redis.hget(job_key(document["id"]), JobField.STATE) == JobState.INVOKED
    assert redis.zscore(ASYNC_DUE, document["id"]) is not None
    # and the tracked record keeps the placeholders, not the resolved secrets
    assert SECRETS["SECRET_AWS_SECRET_KEY"] not in json.dumps(
        redis.hgetall(job_key(document["id"]))
    )


def test_a_bulk_message_runs_each_job_once_in_parallel_and_answers_every_one(
    producer: Producer,
    runner: JobRunner,
    runtime: Any,
    redis: RedisClient,
    settings: WorkerSettings,
) -> None:
    # Given three stored jobs; the message names the first one twice
    documents = [job(f"bulk-{n}") for n in range(3)]
    ids = [s.job_id for s in producer.submit_many(documents)]
    _, stub = runtime
    for _ in ids:
        stub.add_response("invoke_endpoint", answer({"ok": True}))

    # When the message's jobs run
    outcomes = MessageJobs(runner, concurrency=2).run([ids[0], *ids])

    # Then each job ran once (three responses used, no more) and was posted once
    assert [(o.job_id, o.kind) for o in outcomes] == [(i, "completed") for i in ids]
    assert sorted(e["id"] for e in entries(redis, settings.result_stream)) == sorted(ids)
