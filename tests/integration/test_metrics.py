"""Prometheus metrics scraped over HTTP from a real worker process, poller and `smq exporter`
after real jobs: completions, failures by code, retries, pending asynchronous inferences,
result-stream lag and dead letters.

The module runs its own redis-server, so every count is this module's jobs and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import (
    Service,
    free_port,
    start_exporter,
    start_poller,
    start_redis,
    start_worker,
    wait_until,
)
from producer.connection import RedisClient, connect
from producer.contract import Result
from producer.keys import DEAD_LETTER_STREAM
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import make_job
from tests.integration.scrape import Samples, scrape, total, value
from worker.settings import WorkerSettings

pytestmark = pytest.mark.integration


@dataclass
class Stack:
    redis: RedisClient
    producer: Producer
    worker: Service
    poller: Service
    exporter: Service
    worker_url: str
    poller_url: str

    def run(self, *jobs: dict[str, Any], timeout: float = 30) -> list[Result]:
        streams = {job["replyTo"] for job in jobs}
        cursors = {s: stream_tail(self.redis, s) for s in streams}
        subs = self.producer.submit_many(list(jobs))
        pending = {s.job_id: j["replyTo"] for s, j in zip(subs, jobs, strict=True)}
        results = list(wait_for(self.redis, pending, cursors, timeout=timeout))
        assert len(results) == len(jobs)
        return results


@pytest.fixture(scope="module")
def obs(stack_dir: Path, worker_env: dict[str, str], s3: Any) -> Iterator[Stack]:
    """Its own Redis, one worker, one poller and the exporter, each serving /metrics."""
    workdir = stack_dir / "metrics"
    with ExitStack() as started:
        redis_service = start_redis(workdir / "redis")
        started.callback(redis_service.stop)
        env = {**worker_env, "SMQ_REDIS_URL": redis_service.url}
        wport, pport = free_port(), free_port()
        worker = start_worker(
            workdir, {**env, "SMQ_METRICS_PORT": str(wport)}, name="metrics", concurrency=8
        )
        started.callback(worker.stop)
        poller = start_poller(workdir, {**env, "SMQ_METRICS_PORT": str(pport)}, name="metrics")
        started.callback(poller.stop)
        exporter = start_exporter(workdir, env)
        started.callback(exporter.stop)
        settings = WorkerSettings(redis_url=redis_service.url)
        client = connect(settings)
        yield Stack(
            client,
            Producer(client, settings),
            worker,
            poller,
            exporter,
            f"http://127.0.0.1:{wport}",
            f"http://127.0.0.1:{pport}",
        )


def test_worker_and_poller_count_what_happened_to_real_jobs(
    obs: Stack, emulator: EmulatorControl, endpoint: str, stream: str
) -> None:
    ok, bad, throttled = f"{endpoint}-ok", f"{endpoint}-bad", f"{endpoint}-thr"
    emulator.script(bad, sequence=[{"error": {"code": "ModelError", "message": "bad shape"}}])
    emulator.script(throttled, errors={"code": "ThrottlingException", "count": 1})
    emulator.script(f"{endpoint}-async", **{"async": {"delayMs": 300}})

    results = obs.run(
        make_job(ok, stream),
        make_job(ok, stream),
        make_job(bad, stream),
        make_job(throttled, stream),  # throttled once, retried after 1 s, then completed
        make_job(f"{endpoint}-async", stream, invocationType="ASYNC"),
    )

    assert sorted(r.status for r in results) == ["completed"] * 4 + ["failed"]

    # A reader can see a result a moment before the worker counts it (the counter moves after
    # the XADD returns): wait for the worker to settle, then read one scrape.
    def settled() -> bool:
        samples = scrape(obs.worker_url)
        return value(samples, "smq_jobs_in_flight") == 0 and (
            total(samples, "smq_results_posted_total", source="worker") == 4
        )

    wait_until(settled, 10, "the worker's counters to settle")
    w = scrape(obs.worker_url)
    invocations = "smq_invocations_total"
    assert value(w, invocations, endpoint=ok, invocation_type="SYNC", outcome="completed") == 2
    assert value(w, invocations, endpoint=bad, invocation_type="SYNC", outcome="ModelError") == 1
    assert (
        value(
            w,
            invocations,
            endpoint=throttled,
            invocation_type="SYNC",
            outcome="ThrottlingException",
        )
        == 1
    )
    assert (
        value(w, invocations, endpoint=throttled, invocation_type="SYNC", outcome="completed") == 1
    )
    assert (
        value(
            w,
            invocations,
            endpoint=f"{endpoint}-async",
            invocation_type="ASYNC",
            outcome="completed",
        )
        == 1
    )
    assert (
        value(
            w, "smq_retries_scheduled_total", endpoint=throttled, error_code="ThrottlingException"
        )
        == 1
    )
    assert (
        value(w, "smq_invocation_duration_seconds_count", endpoint=ok, invocation_type="SYNC") == 2
    )
    assert total(w, "smq_results_posted_total", source="worker", status="completed") == 3
    assert total(w, "smq_results_posted_total", source="worker", status="failed") == 1
    assert value(w, "smq_jobs_in_flight") == 0
    assert value(w, "process_resident_memory_bytes")  # the process collector is there too
    p = scrape(obs.poller_url)
    assert value(p, "smq_results_posted_total", source="poller", status="completed") == 1
    assert total(p, "smq_invocations_total") == 0  # the poller invokes nothing


def test_exporter_gauges_after_real_jobs(
    obs: Stack, emulator: EmulatorControl, endpoint: str, stream: str
) -> None:
    """Given a pending inference, a retry waiting, a consumer group that read 2 of 3 results
    and acknowledged none, and an unreadable queue item — the gauges say so."""
    emulator.script(f"{endpoint}-slow", **{"async": {"delayMs": 600_000}})
    emulator.script(f"{endpoint}-thr", errors={"code": "ThrottlingException", "count": 1})
    obs.run(*(make_job(endpoint, stream) for _ in range(3)))
    started = time.time()
    pending = make_job(
        f"{endpoint}-slow",
        stream,
        invocationType="ASYNC",
        requestTTLSeconds=3600,
        invocationTimeoutSeconds=60,
    )
    retried = make_job(f"{endpoint}-thr", stream)
    retried["headers"]["retryBackoff"] = "PT600S"
    obs.producer.submit_many([pending, retried])
    obs.redis.xgroup_create(stream, "engine", id="0")
    obs.redis.xreadgroup("engine", "c1", {stream: ">"}, count=2)
    obs.redis.lpush("smq", b"not a kombu message")

    def gauges() -> Samples:
        samples = scrape(obs.exporter.url)
        margin = value(samples, "smq_async_deadline_margin_seconds")
        ready = (
            value(samples, "smq_retries_waiting") == 1
            and value(samples, "smq_dead_letters", stream=DEAD_LETTER_STREAM) == 1
            and margin is not None
        )
        return samples if ready else {}

    wait_until(gauges, 20, "the retry, the dead letter and the poller's sighting")
    g = gauges()
    assert value(g, "smq_exporter_redis_up") == 1
    assert value(g, "smq_async_pending") == 1
    # deadline = start + request TTL + invocation timeout + SMQ_ASYNC_DEADLINE_MARGIN (300)
    margin = value(g, "smq_async_deadline_margin_seconds")
    assert margin is not None
    assert 3960 - (time.time() - started) - 5 <= margin <= 3960
    assert (value(g, "smq_async_oldest_age_seconds") or 0) < 60
    assert value(g, "smq_queue_messages", queue="smq") == 0
    assert value(g, "smq_queue_unacked_messages") == 0
    assert value(g, "smq_jobs_waiting") == 0
    assert value(g, "smq_oldest_waiting_job_age_seconds") == 0
    assert value(g, "smq_result_stream_length", stream=stream) == 3
    assert value(g, "smq_result_consumer_pending", stream=stream, group="engine") == 2
    assert value(g, "smq_result_consumer_lag", stream=stream, group="engine") == 1
    assert value(g, "smq_result_stream_length", stream="smq:results") == 0  # the default, always
    assert value(g, "smq_dead_letters", stream="smq:results:dead") == 0
    assert value(g, "smq_workers_alive") == 1
    assert value(g, "smq_pollers_alive") == 1


def test_a_prefork_worker_serves_the_sum_of_its_children(
    tmp_path: Path, worker_env: dict[str, str], endpoint: str, stream: str
) -> None:
    """SMQ_WORKER_POOL=prefork: each child counts in its own file, the main process serves
    the sum (without that, the main process would serve zeros: it runs no job)."""
    with ExitStack() as started:
        redis_service = start_redis(tmp_path / "redis")
        started.callback(redis_service.stop)
        port = free_port()
        env = {**worker_env, "SMQ_REDIS_URL": redis_service.url, "SMQ_METRICS_PORT": str(port)}
        worker = start_worker(tmp_path, env, name="forked", concurrency=2, pool="prefork")
        started.callback(worker.stop)
        settings = WorkerSettings(redis_url=redis_service.url)
        client = connect(settings)
        producer = Producer(client, settings)
        cursor = stream_tail(client, stream)
        subs = [producer.submit(make_job(endpoint, stream)) for _ in range(6)]
        results = list(
            wait_for(client, {s.job_id: stream for s in subs}, {stream: cursor}, timeout=30)
        )
        url = f"http://127.0.0.1:{port}"
        # A result is readable a moment before its child counts it: wait for the counts.
        wait_until(
            lambda: total(scrape(url), "smq_results_posted_total", source="worker") == 6,
            10,
            "the children's counts to reach the main process",
        )
        samples = scrape(url)
    assert len(results) == 6
    # The main process receives the messages but runs no job: it must not begin them too
    # (worker/received.py), or each would count two attempts.
    assert [r.attempts for r in results] == [1] * 6
    completed = dict(endpoint=endpoint, invocation_type="SYNC", outcome="completed")
    assert value(samples, "smq_invocations_total", **completed) == 6
    assert value(samples, "smq_results_posted_total", status="completed", source="worker") == 6
    assert value(samples, "smq_jobs_in_flight") == 0
