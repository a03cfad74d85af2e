"""What `smq status`, `smq exporter` and `smq health` read, against a real redis-server: queue
depth across kombu's priority lists, heartbeats on Redis's clock, result streams found by
the exporter's scan, health verdicts."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from ops.local import free_port
from producer.connection import RedisClient
from producer.exporter import QueueCollector, StreamDiscovery, gauges, scrape_client
from producer.health import check
from producer.keys import ASYNC_DUE, Role, heartbeats_key
from producer.status import queue_lists, read_status
from worker.heartbeat import Heartbeat
from worker.settings import WorkerSettings


@pytest.fixture
def queue_settings(settings: WorkerSettings) -> WorkerSettings:
    """A queue of its own: the functional tests share one Redis."""
    return settings.model_copy(update={"queue": f"q-{uuid.uuid4().hex[:8]}"})


def test_queue_depth_counts_every_kombu_priority_list(
    redis: RedisClient, queue_settings: WorkerSettings
) -> None:
    queue = queue_settings.queue
    with Connection(queue_settings.redis_url, transport="worker.broker:Transport") as conn:
        producer = conn.Producer(serializer="json")
        target = Queue(queue, Exchange(queue), routing_key=queue)
        producer.publish({"n": 1}, routing_key=queue, exchange=target.exchange, declare=[target])
        producer.publish({"n": 2}, routing_key=queue, exchange=target.exchange, priority=9)

    status = read_status(redis, queue_settings)

    assert redis.llen(f"{queue}\x06\x169") == 1  # kombu put the priority message there
    assert queue_lists(queue)[-1] == f"{queue}\x06\x169"
    assert status.messages == 2


def test_heartbeats_are_read_on_redis_clock_and_leave_when_stopped(
    redis: RedisClient, settings: WorkerSettings
) -> None:
    redis.delete(heartbeats_key(Role.POLLER))
    beat = Heartbeat(redis, Role.POLLER)
    beat.beat()

    here = check(redis, Role.POLLER, host=socket.gethostname())
    elsewhere = check(redis, Role.POLLER, host="another-host")
    alive = read_status(redis, settings).alive(Role.POLLER)
    beat.stop()
    gone = check(redis, Role.POLLER, host=socket.gethostname())

    assert here.healthy and here.reason.startswith("ok: 1 poller(s) alive on ")
    assert not elsewhere.healthy
    assert elsewhere.reason == "no poller heartbeat on another-host within 30s"
    assert [(b.host, b.pid) for b in alive] == [(socket.gethostname(), beat_pid(beat))]
    assert alive[0].age < 1
    assert not gone.healthy


def test_an_old_heartbeat_is_not_alive_and_health_names_it(redis: RedisClient) -> None:
    key = heartbeats_key(Role.WORKER)
    redis.delete(key)
    seconds, _ = redis.time()
    redis.zadd(key, {"old-host:42": seconds - 45})

    health = check(redis, Role.WORKER)

    assert not health.healthy
    assert health.reason.startswith("no worker heartbeat within 30s; last beat 4")
    assert health.reason.endswith("s ago (old-host:42)")
    assert check(redis, Role.WORKER, max_age=60).healthy
    redis.delete(key)


def test_a_poller_is_needed_only_while_inferences_are_pending(redis: RedisClient) -> None:
    redis.delete(heartbeats_key(Role.POLLER), ASYNC_DUE)
    idle = check(redis, Role.POLLER)
    redis.zadd(ASYNC_DUE, {"job-1": 0, "job-2": 0})
    needed = check(redis, Role.POLLER)
    redis.delete(ASYNC_DUE)

    assert idle.healthy
    assert not needed.healthy
    assert needed.reason == "no poller alive while 2 asynchronous inference(s) are pending"


def test_exporter_reports_streams_with_a_consumer_group_and_their_lag(
    redis: RedisClient, settings: WorkerSettings
) -> None:
    consumed, unread = f"s-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    for n in range(5):
        redis.xadd(consumed, {"n": n})
        redis.xadd(unread, {"n": n})
    redis.xgroup_create(consumed, "engine", id="0")
    redis.xreadgroup("engine", "c1", {consumed: ">"}, count=3)
    redis.xadd(consumed + ":dead", {"reason": "test"})
    discovery = StreamDiscovery(calls=1000, count=100)

    streams = discovery.step(redis)
    status = read_status(redis, settings, streams)
    families = {f.name: f for f in gauges(status)}

    assert consumed in streams and unread not in streams
    samples = {
        (f.name, tuple(s.labels.values())): s.value for f in families.values() for s in f.samples
    }
    assert samples[("smq_result_stream_length", (consumed,))] == 5
    assert samples[("smq_result_consumer_pending", (consumed, "engine"))] == 3
    assert samples[("smq_result_consumer_lag", (consumed, "engine"))] == 2
    assert samples[("smq_dead_letters", (consumed + ":dead",))] == 1
    assert samples[("smq_result_stream_length", (settings.result_stream,))] == 0


def beat_pid(beat: Heartbeat) -> int:
    return int(beat.member.rpartition(":")[2])


def test_the_exporter_answers_a_scrape_with_redis_up_0_when_redis_is_away(
    settings: WorkerSettings,
) -> None:
    nowhere = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    collector = QueueCollector(scrape_client(nowhere), nowhere)

    started = time.monotonic()
    families = list(collector.collect())

    assert [(f.name, [s.value for s in f.samples]) for f in families] == [
        ("smq_exporter_redis_up", [0.0])
    ]
    assert time.monotonic() - started < 5
