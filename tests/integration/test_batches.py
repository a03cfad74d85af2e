"""Bulk submissions share queue messages: grouping at submit, one run per job at the worker."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, start_worker, wait_until
from producer.connection import RedisClient, connect
from producer.contract import Result
from producer.envelope import task_message
from producer.keys import QUEUED, JobField, job_key
from producer.results import service_status, stored_result, stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import make_job
from worker import retry
from worker.settings import WorkerSettings as Settings


def _queued_messages(redis_client: RedisClient, queue: str) -> list[list[str]]:
    """The job ids of each message on ``queue``, oldest first (as Celery's args)."""
    items = redis_client.lrange(queue, 0, -1)
    return [json.loads(base64.b64decode(json.loads(i)["body"]))[0] for i in reversed(items)]


def _parked_producer(redis_client: RedisClient, settings: Settings) -> Producer:
    """A producer whose queue no worker reads: its jobs wait until a test queues them."""
    queue = f"parked-{uuid.uuid4().hex[:8]}"
    return Producer(redis_client, settings.model_copy(update={"queue": queue}))


@pytest.fixture
def idle_db(settings: Settings) -> Iterator[tuple[RedisClient, Settings]]:
    """A Redis database no worker serves: what a producer writes there stays put."""
    idle = settings.model_copy(update={"redis_url": settings.redis_url.rsplit("/", 1)[0] + "/5"})
    client = connect(idle)
    client.flushdb()
    yield client, idle
    client.flushdb()


def test_bulk_submission_puts_up_to_batch_size_ids_in_each_message(
    idle_db: tuple[RedisClient, Settings], endpoint: str, stream: str
) -> None:
    redis_client, settings = idle_db
    producer = Producer(redis_client, settings.model_copy(update={"batch_size": 8}))
    jobs = [make_job(endpoint, stream) for _ in range(19)]

    subs = producer.submit_many(jobs)

    messages = _queued_messages(redis_client, settings.queue)
    assert [len(m) for m in messages] == [8, 8, 3]
    assert [i for m in messages for i in m] == [s.job_id for s in subs]
    assert all(s.enqueued for s in subs)
    assert all(redis_client.zscore(QUEUED, s.job_id) is not None for s in subs)
    retry.schedule(redis_client, settings, subs[0].job_id, 60, "ThrottlingException")
    queue = service_status(redis_client, settings)["queue"]
    assert (queue["length"], queue["jobsWaiting"], queue["retriesWaiting"]) == (3, 19, 1)
    assert queue["oldestWaitingSeconds"] >= 0


def test_an_existing_id_in_a_bulk_submission_is_skipped_and_the_rest_enqueued_alone(
    idle_db: tuple[RedisClient, Settings], endpoint: str, stream: str
) -> None:
    redis_client, settings = idle_db
    producer = Producer(redis_client, settings.model_copy(update={"batch_size": 8}))
    old = {**make_job(endpoint, stream), "id": f"old-{uuid.uuid4().hex}"}
    producer.submit(old)
    new = [make_job(endpoint, stream) for _ in range(3)]
    repeated = {**make_job(endpoint, stream), "id": f"twice-{uuid.uuid4().hex}"}

    subs = producer.submit_many([new[0], old, new[1], repeated, new[2], repeated])

    assert [s.enqueued for s in subs] == [True, False, True, True, True, False]
    messages = _queued_messages(redis_client, producer.settings.queue)
    ids = [i for m in messages for i in m]
    assert sorted(ids) == sorted([old["id"], *(s.job_id for s in subs[:5] if s.enqueued)])
    assert len(ids) == len(set(ids))  # every job has exactly one message


def test_a_message_carrying_several_jobs_runs_each_once_and_skips_a_done_one(
    run_jobs: Callable[..., list[Result]],
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    emulator.script(endpoint, latencyMs=200)
    cursor = stream_tail(redis_client, stream)
    [done] = run_jobs(make_job(endpoint, stream))
    parked = _parked_producer(redis_client, settings)
    subs = parked.submit_many([make_job(endpoint, stream) for _ in range(5)])
    ids = [s.job_id for s in subs]
    # A redelivered batch: the same message again, plus a job that finished long ago.
    redis_client.lpush(settings.queue, task_message([done.id, *ids, ids[0]], settings.queue))

    results = list(wait_for(redis_client, dict.fromkeys(ids, stream), {stream: cursor}, timeout=30))

    assert sorted(r.id for r in results) == sorted(ids)
    assert all(r.status == "completed" and r.attempts == 1 for r in results)
    assert emulator.invocations(endpoint)["count"] == 1 + 5
    assert redis_client.xlen(stream) == 1 + 5  # the done job posted nothing new
    assert redis_client.hget(job_key(done.id), JobField.ATTEMPTS) == "1"


def test_a_message_with_too_many_ids_is_answered_not_run(
    worker: Service, redis_client: RedisClient, settings: Settings
) -> None:
    raw = json.loads(task_message([f"x-{n}" for n in range(65)], settings.queue))
    redis_client.lpush(settings.queue, json.dumps(raw))
    message_id = raw["headers"]["id"]

    wait_until(lambda: stored_result(redis_client, message_id), 20, "a failed result")
    result = stored_result(redis_client, message_id)
    assert result is not None and result.error is not None
    assert result.error.code == "MalformedMessage"


@pytest.mark.parametrize("transport", ["event-loop", "botocore"])
def test_a_bulk_message_runs_on_either_transport_in_a_worker_of_its_own(
    transport: str,
    stack_dir: Path,
    worker_env: dict[str, str],
    redis_client: RedisClient,
    settings: Settings,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    # Given a worker of its own on its own queue, sending its calls one way or the other,
    # and an endpoint that fails the third call of its sequence
    queue = f"transport-{uuid.uuid4().hex[:8]}"
    env = {**worker_env, "SMQ_QUEUE": queue, "SMQ_INVOKE_TRANSPORT": transport}
    own = start_worker(stack_dir / "workers", env, name=f"transport-{transport}", concurrency=2)
    try:
        third_fails = [{}, {}, {"error": {"code": "ModelError"}}]
        emulator.script(endpoint, latencyMs=50, sequence=third_fails)
        producer = Producer(redis_client, settings.model_copy(update={"queue": queue}))
        cursor = stream_tail(redis_client, stream)

        # When eight jobs go in one message
        jobs = [{**make_job(endpoint, stream), "retries": 1} for _ in range(8)]
        ids = [s.job_id for s in producer.submit_many(jobs)]
        pending = dict.fromkeys(ids, stream)
        results = list(wait_for(redis_client, pending, {stream: cursor}, timeout=30))
    finally:
        own.stop()

    # Then each is answered once: seven completed, one ModelError
    assert sorted(r.id for r in results) == sorted(ids)
    assert sorted(r.status for r in results) == ["completed"] * 7 + ["failed"]
    assert [r.error.code for r in results if r.error] == ["ModelError"]
    assert emulator.invocations(endpoint)["count"] == 8
