"""`smq health` against real processes and a Redis that goes away and comes back; SIGTERM
honoured within seconds by a worker and a poller while Redis is down.

Each test runs its own redis-server (stopped on purpose here)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from emulator.control import EmulatorControl
from ops.local import (
    Service,
    free_port,
    start_poller,
    start_redis,
    start_worker,
    wait_until,
)
from producer.connection import connect
from producer.keys import ASYNC_DUE
from producer.submit import Producer
from tests.integration.conftest import make_job
from worker.settings import WorkerSettings

pytestmark = pytest.mark.integration


class Health:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(self, role: str, *options: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "cli.main", "health", "--role", role, *options]
        return subprocess.run(
            argv,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )


@pytest.fixture
def redis_port() -> int:
    return free_port()


@pytest.fixture
def own_redis(tmp_path: Path, redis_port: int) -> Iterator[list[Service]]:
    """This test's Redis; a list, so a test can restart it and the last one is stopped."""
    services = [start_redis(tmp_path / "redis", redis_port)]
    yield services
    for service in services:
        service.stop()


@pytest.fixture
def env(worker_env: dict[str, str], own_redis: list[Service]) -> dict[str, str]:
    return {**worker_env, "SMQ_REDIS_URL": own_redis[0].url}


@pytest.fixture
def started() -> Iterator[ExitStack]:
    """Processes a test starts are stopped when it ends, whatever happened."""
    with ExitStack() as stack:
        yield stack


def stopped_later(started: ExitStack, service: Service) -> Service:
    started.callback(service.stop)
    return service


def test_worker_health_follows_heartbeats_and_redis(
    tmp_path: Path, env: dict[str, str], own_redis: list[Service], redis_port: int
) -> None:
    health = Health(env)
    before = health("worker")
    worker = start_worker(tmp_path, env, name="beating", concurrency=4)
    try:
        wait_until(lambda: health("worker").returncode == 0, 15, "the first heartbeat")
        here = health("worker", "--this-host")
        poller_idle, poller_here = health("poller"), health("poller", "--this-host")

        own_redis[0].stop()
        started = time.monotonic()
        unreachable = health("worker")
        unreachable_seconds = time.monotonic() - started
        own_redis.append(start_redis(tmp_path / "redis", redis_port))  # empty: beats are gone
        wait_until(lambda: health("worker").returncode == 0, 15, "beats after Redis is back")
    finally:
        worker.stop()
    after_stop = health("worker")

    assert (before.returncode, before.stderr.strip()) == (
        1,
        "unhealthy: no worker heartbeat within 30s",
    )
    assert here.returncode == 0 and here.stdout.startswith("ok: 1 worker(s) alive on ")
    assert poller_idle.returncode == 0  # no inference pending: no poller needed
    assert poller_here.returncode == 1
    assert unreachable.returncode == 4
    assert "cannot reach Redis" in unreachable.stderr
    assert len(unreachable.stderr.strip().splitlines()) == 1
    print(f"smq health with Redis down answered in {unreachable_seconds:.2f} s")
    assert unreachable_seconds < 8
    assert after_stop.returncode == 1  # a worker that stopped left the set at once


def test_a_killed_worker_ages_out_and_a_poller_is_needed_while_inferences_pend(
    tmp_path: Path, env: dict[str, str], started: ExitStack
) -> None:
    health = Health(env)
    worker = stopped_later(started, start_worker(tmp_path, env, name="killed", concurrency=2))
    wait_until(lambda: health("worker", "--this-host").returncode == 0, 15, "a heartbeat")
    worker.kill()
    wait_until(
        lambda: health("worker", "--this-host", "--max-age", "2").returncode == 1,
        10,
        "the dead worker's beat to age out",
    )
    stale = health("worker", "--this-host", "--max-age", "2")

    redis = connect(WorkerSettings(redis_url=env["SMQ_REDIS_URL"]))
    redis.zadd(ASYNC_DUE, {"pending-job": time.time() + 3600})
    orphaned = health("poller")
    stopped_later(started, start_poller(tmp_path, env, name="needed"))
    wait_until(lambda: health("poller").returncode == 0, 15, "the poller's heartbeat")

    assert "last beat" in stale.stderr and "ago" in stale.stderr
    assert orphaned.returncode == 1
    assert orphaned.stderr.strip() == (
        "unhealthy: no poller alive while 1 asynchronous inference(s) are pending"
    )


@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_worker_and_poller_stop_within_seconds_of_sigterm_while_redis_is_down(
    pool: str,
    tmp_path: Path,
    env: dict[str, str],
    own_redis: list[Service],
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
    started: ExitStack,
) -> None:
    """Given calls in flight when Redis goes away: before, the worker waited out
    SMQ_REDIS_RETRY_SECONDS for each post (104 s here) and the poller a pass (42 s)."""
    emulator.script(endpoint, latencyMs=3000)
    worker = stopped_later(
        started, start_worker(tmp_path, env, name=f"leaving-{pool}", concurrency=4, pool=pool)
    )
    poller = stopped_later(started, start_poller(tmp_path, env, name=f"leaving-{pool}"))
    settings = WorkerSettings(redis_url=env["SMQ_REDIS_URL"])
    producer = Producer(connect(settings), settings)
    for _ in range(4):
        producer.submit(make_job(endpoint, stream))
    wait_until(lambda: emulator.invocations(endpoint)["count"] == 4, 20, "calls in flight")
    own_redis[0].stop()
    time.sleep(0.5)  # let the processes notice Redis is gone before they are asked to stop

    took = {}
    for service in (worker, poller):
        asked = time.monotonic()
        service.stop(timeout=30)
        took[service.name] = round(time.monotonic() - asked, 1)

    print(f"stopped after SIGTERM with Redis down ({pool}): {took}")
    assert worker.process.returncode == 0 and poller.process.returncode == 0
    assert all(seconds < 10 for seconds in took.values()), took
