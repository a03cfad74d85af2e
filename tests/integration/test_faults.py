"""Fault tests on real processes: kill -9 a worker, restart Redis, fuzz the queue.

Each is bounded in time and prints the figures the reliability report quotes.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.control import EmulatorControl
from ops.local import Service, free_port, start_redis, start_worker, wait_until
from producer.connection import RedisClient, connect
from producer.envelope import task_message
from producer.keys import DEAD_LETTER_STREAM, QUEUED, JobField, job_key
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import make_job
from worker.settings import WorkerSettings as Settings

pytestmark = pytest.mark.integration


def rss_kb(service: Service) -> int:
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def flood(producer: Producer, endpoint: str, stream: str, n: int) -> list[str]:
    jobs = [make_job(endpoint, stream, body={"n": i}) for i in range(n)]
    return [s.job_id for s in producer.submit_many(jobs)]


def outcome(
    redis_client: RedisClient, stream: str, emulator: EmulatorControl, endpoint: str
) -> dict[str, int]:
    ids = Counter(fields["id"] for _, fields in redis_client.xrange(stream))
    invocations = emulator.invocations(endpoint)["byInferenceId"]
    return {
        "results": len(ids),
        "duplicate_entries": sum(c - 1 for c in ids.values()),
        "invocations": sum(invocations.values()),
        "repeated_invocations": sum(c - 1 for c in invocations.values() if c > 1),
    }


@pytest.mark.timeout(300)
def test_kill_9_worker_mid_flood_every_job_gets_exactly_one_result(
    stack_dir: Path,
    worker_env: dict[str, str],
    worker: Service,
    producer: Producer,
    redis_client: RedisClient,
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    emulator.script(endpoint, latencyMs=100)
    victim = start_worker(stack_dir / "workers", worker_env, name="victim", concurrency=32)
    cursor = stream_tail(redis_client, stream)
    ids = flood(producer, endpoint, stream, 1000)
    wait_until(lambda: redis_client.xlen(stream) >= 300, 60, "a third of the results")

    victim.kill()  # SIGKILL: its in-flight and prefetched jobs are neither finished nor acked
    killed_at = time.monotonic()
    results = list(
        wait_for(redis_client, dict.fromkeys(ids, stream), {stream: cursor}, timeout=150)
    )
    recovered = time.monotonic() - killed_at

    figures = outcome(redis_client, stream, emulator, endpoint)
    print(f"\nkill -9 worker: 1000 jobs, {figures}, all done {recovered:.1f}s after the kill")
    assert {r.id for r in results} == set(ids)
    assert all(r.status == "completed" for r in results)
    assert figures["results"] == 1000
    assert figures["duplicate_entries"] == 0


@pytest.mark.timeout(300)
def test_redis_restart_mid_flood_loses_nothing(
    stack_dir: Path,
    worker_env: dict[str, str],
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    workdir, port = stack_dir / "redis-aof", free_port()
    redis_service = start_redis(workdir, port, appendonly=True)
    env = {**worker_env, "SMQ_REDIS_URL": redis_service.url}
    own_worker = start_worker(stack_dir / "workers", env, name="aof", concurrency=16)
    local = Settings(redis_url=redis_service.url)
    client = connect(local)
    emulator.script(endpoint, latencyMs=20)
    try:
        ids = flood(Producer(client, local), endpoint, stream, 500)
        wait_until(lambda: client.xlen(stream) >= 100, 60, "the first results")

        redis_service.stop()  # SIGTERM: Redis fsyncs its AOF and exits
        down_for = 2.0
        time.sleep(down_for)  # the fault itself: Redis stays away this long
        redis_service = start_redis(workdir, port, appendonly=True)
        back_at = time.monotonic()

        results = list(wait_for(client, dict.fromkeys(ids, stream), {stream: "0-0"}, timeout=150))
        recovered = time.monotonic() - back_at
        figures = outcome(client, stream, emulator, endpoint)
        print(
            f"\nredis restart: 500 jobs, {figures}, all done {recovered:.1f}s after Redis came back"
        )
        assert {r.id for r in results} == set(ids)
        assert figures["duplicate_entries"] == 0
        assert own_worker.alive()
    finally:
        own_worker.stop()
        redis_service.stop()


# Whatever a foreign producer or a bug may push onto the queue.
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _envelope(args: Any) -> str:
    raw = json.loads(task_message("fuzz-placeholder", "smq"))
    raw["headers"]["id"] = raw["properties"]["correlation_id"] = (
        f"fuzz-{abs(hash(json.dumps(args))) % 10**12}"
    )
    raw["body"] = json.dumps([args, {}, {}])
    del raw["properties"]["body_encoding"]
    return json.dumps(raw)


_queue_items = st.one_of(
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    _json.map(json.dumps),
    st.lists(_json, max_size=3).map(_envelope),
    st.builds(
        lambda d: json.dumps({"body": d, "headers": {}, "properties": {"delivery_tag": "x"}}), _json
    ),
)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(items=st.lists(_queue_items, min_size=40, max_size=40))
def test_fuzzed_queue_items_never_stop_the_worker(
    items: list[str],
    worker: Service,
    redis_client: RedisClient,
    settings: Settings,
    producer: Producer,
    emulator: EmulatorControl,
) -> None:
    rss_before = rss_kb(worker)
    for item in items:
        redis_client.lpush(settings.queue, item)

    canary_stream = f"canary:{time.time_ns()}"
    [sub] = producer.submit_many([make_job(f"canary-{time.time_ns()}", canary_stream)])
    results = list(
        wait_for(redis_client, {sub.job_id: canary_stream}, {canary_stream: "0-0"}, timeout=60)
    )

    assert [r.status for r in results] == ["completed"]
    assert worker.alive()
    assert rss_kb(worker) - rss_before < 50_000
    wait_until(lambda: redis_client.llen(settings.queue) == 0, 30, "the queue to drain")
    assert redis_client.xlen(DEAD_LETTER_STREAM) > 0


def test_a_job_whose_message_was_lost_is_queued_again(
    worker: Service,
    redis_client: RedisClient,
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    # Given a job recorded as queued a minute ago whose message never reached the queue
    # (what kombu's BRPOP window does to one message when Redis restarts),
    job_id = f"lost-{endpoint}"
    doc = {**make_job(endpoint, stream), "id": job_id}
    redis_client.hset(
        job_key(job_id),
        mapping={
            JobField.DOC: json.dumps(doc),
            JobField.STATE: "queued",
            JobField.REPLY_TO: stream,
            JobField.ATTEMPTS: 0,
        },
    )
    redis_client.zadd(QUEUED, {job_id: time.time() - 60})

    # when the workers look for stale jobs (every 5 s, visibility timeout 30 s in the tests),
    results = list(wait_for(redis_client, {job_id: stream}, {stream: "0-0"}, timeout=60))

    # then it runs once and is answered.
    assert [r.status for r in results] == ["completed"]
    assert emulator.invocations(endpoint)["count"] == 1
    assert redis_client.zscore(QUEUED, job_id) is None
