"""Jobs begun as their message is received (``worker/received.py``): the producer's message on
a real redis-server, read through kombu with our transport, as a worker's consumer reads it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import kombu
import pytest
from botocore.stub import Stubber

from producer.connection import RedisClient
from producer.keys import JobField, JobState, job_key
from producer.submit import Producer
from tests.functional.conftest import job
from tests.functional.test_runner import answer
from worker import broker
from worker.message import MessageJobs
from worker.received import RECEIVED, Received
from worker.runner import JobRunner
from worker.settings import WorkerSettings
from worker.store import BEGIN


@pytest.fixture
def queue(settings: WorkerSettings) -> WorkerSettings:
    """Settings with a queue of this test's own (other tests leave messages on theirs)."""
    return settings.model_copy(update={"queue": f"receipt-{uuid.uuid4().hex[:8]}"})


@pytest.fixture
def receiving() -> Iterator[Received]:
    """The worker's table, on as in a thread-pool worker; off again after the test."""
    RECEIVED.enabled = True
    yield RECEIVED
    RECEIVED.enabled = False


def receive(settings: WorkerSettings) -> dict[str, Any]:
    """Take one message off the queue as the worker's consumer does; its headers."""
    with kombu.Connection(settings.redis_url, transport=broker.Transport) as connection:
        queue = connection.SimpleQueue(settings.queue)
        try:
            message = queue.get(timeout=5)
            message.ack()
            return dict(message.headers)
        finally:
            queue.close()


def state(redis: RedisClient, job_id: str) -> tuple[str, str]:
    fields = redis.hmget(job_key(job_id), [JobField.STATE, "attempts"])
    return str(fields[0]), str(fields[1])


def test_a_job_is_begun_in_the_round_trip_that_records_its_message(
    queue: WorkerSettings, redis: RedisClient, receiving: Received
) -> None:
    document = job()
    [sub] = Producer(redis, queue).submit_many([document])
    headers = receive(queue)
    assert state(redis, sub.job_id) == (JobState.INVOKING, "1")
    [begun] = receiving.take(headers["id"], [sub.job_id]) or []
    assert begun.attempts == 1 and begun.state == JobState.INVOKING
    assert json.loads(begun.doc or "{}")["variables"] == document["variables"]
    assert receiving.take(headers["id"], [sub.job_id]) is None  # taken once


def test_a_bulk_message_begins_each_of_its_jobs(
    queue: WorkerSettings, redis: RedisClient, receiving: Received
) -> None:
    subs = Producer(redis, queue).submit_many([job() for _ in range(3)])
    ids = [s.job_id for s in subs]
    headers = receive(queue)
    assert headers["id"].startswith("batch-")
    begun = receiving.take(headers["id"], ids) or []
    assert [b.job_id for b in begun] == ids
    assert [state(redis, i) for i in ids] == [(JobState.INVOKING, "1")] * 3


def test_nothing_is_begun_at_receipt_when_tasks_run_in_other_processes(
    queue: WorkerSettings, redis: RedisClient
) -> None:
    # prefork: the main process receives, a child runs the task and begins the jobs itself
    [sub] = Producer(redis, queue).submit_many([job()])
    headers = receive(queue)
    assert state(redis, sub.job_id) == (JobState.QUEUED, "0")
    assert RECEIVED.take(headers["id"], [sub.job_id]) is None


def test_after_redis_lost_its_scripts_the_task_begins_the_job_itself(
    queue: WorkerSettings, redis: RedisClient, receiving: Received
) -> None:
    producer = Producer(redis, queue)
    [first] = producer.submit_many([job()])
    BEGIN.ensure_loaded(redis)
    redis.script_flush()  # what a Redis restart does to the script cache
    lost = receive(queue)
    assert state(redis, first.job_id) == (JobState.QUEUED, "0")
    assert receiving.take(lost["id"], [first.job_id]) is None
    # the script is loaded again for the next message
    [second] = producer.submit_many([job()])
    headers = receive(queue)
    assert state(redis, second.job_id) == (JobState.INVOKING, "1")
    assert receiving.take(headers["id"], [second.job_id]) is not None


def test_the_task_runs_a_job_begun_at_receipt_as_its_first_attempt(
    queue: WorkerSettings,
    redis: RedisClient,
    runner: JobRunner,
    runtime: tuple[Any, Stubber],
    receiving: Received,
) -> None:
    [sub] = Producer(redis, queue).submit_many([job()])
    headers = receive(queue)
    _, stub = runtime
    stub.add_response("invoke_endpoint", answer({"score": 0.5}))
    [outcome] = MessageJobs(runner, concurrency=2).run([sub.job_id], headers["id"])
    assert outcome.result is not None and outcome.result.status == "completed"
    assert outcome.result.attempts == 1  # not begun a second time by the task
    assert state(redis, sub.job_id) == (JobState.DONE, "1")
