"""Flower, through its own HTTP API with basic auth, against a real worker: it lists the
worker, a job's outcome is its task's state (FAILURE with the code and a masked message,
RETRY, SUCCESS; a bulk message FAILURE with a per-job summary), queue length through its
broker API, every task named, no secret anywhere.

The module runs its own redis-server: the queue-length test needs a queue no worker drains.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu.transport.redis import Channel as KombuRedisChannel

from emulator.control import EmulatorControl
from ops.local import Service, start_flower, start_redis, start_worker, wait_until
from producer.connection import RedisClient, connect
from producer.keys import RETRY_DUE, TASK_NAME
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import SECRETS, make_job
from worker.settings import WorkerSettings

pytestmark = pytest.mark.integration
AUTH = "ops:flower-pass"


class Flower:
    def __init__(self, service: Service) -> None:
        self.service = service

    def get(self, path: str, *, auth: bool = True) -> Any:
        headers = {"Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}
        request = urllib.request.Request(self.service.url + path, headers=headers if auth else {})
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read().decode()
            return json.loads(body) if "json" in reply.headers["Content-Type"] else body

    def tasks(self) -> dict[str, dict[str, Any]]:
        return dict(self.get("/api/tasks?limit=1000"))


@pytest.fixture(scope="module")
def env(stack_dir: Path, worker_env: dict[str, str]) -> Iterator[dict[str, str]]:
    service = start_redis(stack_dir / "flower-redis")
    yield {**worker_env, "SMQ_REDIS_URL": service.url}
    service.stop()


@pytest.fixture(scope="module")
def redis(env: dict[str, str]) -> RedisClient:
    return connect(WorkerSettings(redis_url=env["SMQ_REDIS_URL"]))


@pytest.fixture(scope="module")
def producer(redis: RedisClient, env: dict[str, str]) -> Producer:
    return Producer(redis, WorkerSettings(redis_url=env["SMQ_REDIS_URL"]))


@pytest.fixture(scope="module")
def flower(stack_dir: Path, env: dict[str, str]) -> Iterator[Flower]:
    service = start_flower(stack_dir / "flower", {**env, "FLOWER_BASIC_AUTH": AUTH})
    yield Flower(service)
    service.stop()


@pytest.fixture(scope="module")
def flower_worker(stack_dir: Path, env: dict[str, str], flower: Flower) -> Iterator[Service]:
    service = start_worker(stack_dir / "flower", env, name="flowered", concurrency=8)
    yield service
    service.stop()


def test_queue_length_through_flowers_broker_api_with_auth(
    flower: Flower, producer: Producer, redis: RedisClient, endpoint: str, stream: str
) -> None:
    """Given 4 messages and no worker yet, one of them on kombu's priority-9 list."""
    for _ in range(4):
        producer.submit(make_job(endpoint, stream))
    priority_9 = KombuRedisChannel.sep.join(["smq", "9"])
    redis.lpush(priority_9, redis.rpop("smq"))

    lengths = flower.get("/api/queues/length")
    broker_page = flower.get("/broker")

    assert lengths == {"active_queues": [{"name": "smq", "messages": 4}]}
    assert "smq" in broker_page and "not supported" not in broker_page
    for path in ("/api/queues/length", "/api/workers", "/api/tasks", "/broker"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            flower.get(path, auth=False)
        refused.value.close()
        assert refused.value.code == 401


def test_a_jobs_outcome_is_its_tasks_state(
    flower: Flower,
    flower_worker: Service,
    producer: Producer,
    redis: RedisClient,
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    heard = flower_hears_events(flower, producer, redis, f"{endpoint}-canary", stream)
    secret = SECRETS["AWS_SECRET_KEY"]
    bad_reply = {"error": {"code": "ModelError", "message": f"echo {secret}"}}
    emulator.script(f"{endpoint}-bad", sequence=[bad_reply, bad_reply])
    emulator.script(f"{endpoint}-thr", errors={"code": "ThrottlingException", "count": 10})
    throttled = make_job(f"{endpoint}-thr", stream)
    throttled["headers"]["retryBackoff"] = "PT600S"  # stays RETRY for the test

    failed = producer.submit(make_job(f"{endpoint}-bad", stream)).job_id
    retried = producer.submit(throttled).job_id
    ok, bad_in_bulk = (
        s.job_id
        for s in producer.submit_many(
            [make_job(f"{endpoint}-ok", stream), make_job(f"{endpoint}-bad", stream)]
        )
    )

    def states() -> dict[str, dict[str, Any]]:
        tasks = flower.tasks()
        shown = {t["uuid"]: t for t in tasks.values() if t["state"] not in ("RECEIVED", "STARTED")}
        bulk = [t for t in shown.values() if ok in str(t.get("exception") or t.get("result"))]
        return {"failed": shown.get(failed), "retried": shown.get(retried), "bulk": bulk[0]}

    wait_until(lambda: all(states().values()), 30, "Flower to see the outcomes")
    shown = states()
    assert shown["failed"]["state"] == "FAILURE"
    assert shown["failed"]["name"] == TASK_NAME
    assert "ModelError: echo ****" in shown["failed"]["exception"]
    assert shown["retried"]["state"] == "RETRY"
    assert "ThrottlingException, next attempt in 6" in shown["retried"]["exception"]
    assert shown["bulk"]["state"] == "FAILURE"
    assert shown["bulk"]["uuid"].startswith("batch-")
    summary = shown["bulk"]["exception"]
    assert "1 of 2 job(s) failed" in summary
    assert f"{bad_in_bulk}: failed ModelError: echo ****" in summary
    assert f"{ok}: completed" in summary
    assert flower.tasks()[heard]["result"] == repr({heard: "completed"})
    # Flower asks the workers (a broadcast, answered within its 1 s inspect timeout).
    wait_until(lambda: "flowered@" in str(list(flower.get("/api/workers?refresh=1"))), 20, "worker")

    # Every message was acknowledged once, as before: nothing is left unacked or re-queued
    # by Celery; the one retry waits in smq:retry.
    wait_until(lambda: redis.hlen("unacked") == 0, 10, "acks")
    assert redis.llen("smq") == 0
    assert redis.zcard(RETRY_DUE) == 1
    assert emulator.invocations(f"{endpoint}-thr")["count"] == 1
    everything = json.dumps(flower.tasks()) + flower.service.log_text()
    everything += "".join(json.dumps(flower.get(f"/api/task/info/{t}")) for t in (failed, retried))
    for value in SECRETS.values():
        assert value not in everything


def test_a_task_is_named_even_when_flower_missed_its_task_received(
    stack_dir: Path,
    env: dict[str, str],
    flower_worker: Service,
    producer: Producer,
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    """A bulk message still running when Flower starts: Flower never hears task-received
    (the only event Celery names the task in) and learns of the task from task-succeeded."""
    emulator.script(endpoint, latencyMs=8000)
    producer.submit_many([make_job(endpoint, stream), make_job(endpoint, stream)])
    wait_until(lambda: emulator.invocations(endpoint)["count"] == 2, 20, "the calls in flight")

    late = Flower(start_flower(stack_dir / "flower-late", {**env, "FLOWER_BASIC_AUTH": AUTH}))
    try:

        def finished() -> list[dict[str, Any]]:
            tasks = late.tasks().values()
            return [t for t in tasks if t["uuid"].startswith("batch-") and t["state"] == "SUCCESS"]

        wait_until(finished, 30, "the late Flower to hear the task finish")
        [task] = finished()
    finally:
        late.service.stop()
    assert task["args"] is None  # task-received was missed indeed
    assert task["name"] == TASK_NAME


def flower_hears_events(
    flower: Flower, producer: Producer, redis: RedisClient, endpoint: str, stream: str
) -> str:
    """Flower hears task events by pub/sub only once it has subscribed: run a job until it
    shows one. Returns the job (task) id it heard."""
    heard: list[str] = []

    def one_heard() -> bool:
        cursor = stream_tail(redis, stream)
        job_id = producer.submit(make_job(endpoint, stream)).job_id
        list(wait_for(redis, {job_id: stream}, {stream: cursor}, timeout=10))
        wait_until(lambda: flower.tasks().get(job_id, {}).get("state") == "SUCCESS", 3, "event")
        heard.append(job_id)
        return True

    wait_until(one_heard, 40, "Flower to hear task events")
    return heard[0]
