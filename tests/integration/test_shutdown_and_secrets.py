"""Graceful shutdown finishes in-flight calls; secrets stay out of Flower, logs and streams."""

from __future__ import annotations

import ast
import json
import re
import signal
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from emulator.control import EmulatorControl
from ops.local import Service, start_flower, start_worker, wait_until
from producer.connection import RedisClient
from producer.contract import JOB_ID_PATTERN
from producer.keys import DEAD_LETTER_STREAM
from producer.results import stream_tail, wait_for
from producer.submit import Producer
from tests.integration.conftest import SECRETS, make_job

pytestmark = pytest.mark.integration


def test_sigterm_lets_in_flight_calls_finish_and_post(
    stack_dir: Path,
    worker_env: dict[str, str],
    worker: Service,
    producer: Producer,
    redis_client: RedisClient,
    emulator: EmulatorControl,
    endpoint: str,
    stream: str,
) -> None:
    emulator.script(endpoint, latencyMs=2000)
    leaving = start_worker(stack_dir / "workers", worker_env, name="leaving", concurrency=16)
    cursor = stream_tail(redis_client, stream)
    subs = producer.submit_many([make_job(endpoint, stream, body={"n": n}) for n in range(10)])
    wait_until(lambda: emulator.invocations(endpoint)["count"] >= 5, 20, "calls in flight")

    leaving.process.send_signal(signal.SIGTERM)  # warm shutdown while calls are in flight
    leaving.process.wait(30)

    results = list(
        wait_for(redis_client, {s.job_id: stream for s in subs}, {stream: cursor}, timeout=60)
    )
    assert leaving.process.returncode == 0
    assert sorted(r.status for r in results) == ["completed"] * 10
    assert emulator.invocations(endpoint)["count"] == 10  # nothing was cut off and run twice
    leaving.stop()


def test_secrets_appear_nowhere_flower_shows_only_job_ids(
    stack_dir: Path,
    worker_env: dict[str, str],
    worker: Service,
    run_jobs: Any,
    redis_client: RedisClient,
    endpoint: str,
    stream: str,
    emulator: EmulatorControl,
) -> None:
    flower = start_flower(
        stack_dir / "flower", {**worker_env, "FLOWER_UNAUTHENTICATED_API": "true"}
    )

    def flower_tasks() -> dict[str, dict[str, object]]:
        with urllib.request.urlopen(f"{flower.url}/api/tasks?limit=1000", timeout=5) as reply:
            return dict(json.load(reply))

    try:
        # Flower hears task events by pub/sub only once it has subscribed: wait for that.
        wait_until(
            lambda: run_jobs(make_job(f"{endpoint}-canary", stream)) and flower_tasks(),
            30,
            "Flower to hear task events",
        )
        emulator.script(
            endpoint,
            sequence=[
                {"error": {"code": "ModelError", "message": f"echo {SECRETS['AWS_SECRET_KEY']}"}}
            ],
        )
        results = run_jobs(make_job(endpoint, stream), make_job(endpoint, stream))
        ids = {r.id for r in results}

        # The two jobs were submitted together: one message (a batch) may carry both.
        wait_until(lambda: ids <= _shown_ids(flower_tasks()), 30, "Flower to see the jobs")
        tasks = flower_tasks()
        for args in _args(tasks):  # task arguments are job ids and nothing else
            assert all(re.match(JOB_ID_PATTERN, a) for a in args)
        everything = json.dumps(tasks) + worker.log_text() + flower.log_text()
        everything += json.dumps([r.model_dump() for r in results])
        everything += json.dumps(redis_client.xrange(DEAD_LETTER_STREAM), default=str)
        for value in SECRETS.values():
            assert value not in everything
    finally:
        flower.stop()


def _args(tasks: dict[str, dict[str, object]]) -> list[tuple[str, ...]]:
    """Each task's arguments; a task whose task-received event Flower missed (it subscribed
    while the task ran) has none."""
    return [ast.literal_eval(str(t["args"])) for t in tasks.values() if t.get("args") is not None]


def _shown_ids(tasks: dict[str, dict[str, object]]) -> set[str]:
    return {i for args in _args(tasks) for i in args}
