"""Task events published on a timer (worker/events.py), heard by a real event receiver from a
real worker process: every job's received, started and succeeded events arrive, gathered
into few messages, and those of the last job reach the receiver even when the worker is
stopped right after it (SIGTERM) — the buffer is flushed before the worker exits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from ops.local import Service, start_worker, wait_until
from producer.connection import RedisClient
from producer.results import stream_tail, wait_for
from producer.settings import Settings
from producer.submit import Producer
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration
QUEUE = "smq-events-test"


class Heard:
    """Celery's event receiver on the broker, in a thread: the task events it hears, and
    how many event messages carried them (a batch of task events is one message)."""

    def __init__(self, redis_url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.bodies: list[Any] = []
        self._app = Celery(broker=redis_url)
        self._receiver: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the receiver did not subscribe"

    def _run(self) -> None:
        with self._app.connection_for_read() as connection:
            self._receiver = self._app.events.Receiver(
                connection, handlers={"*": self.events.append}
            )
            on_message = self._receiver._receive

            def counted(body: Any, message: Any) -> None:
                self.bodies.append(body)
                on_message(body, message)

            self._receiver._receive = counted
            self._receiver.on_consume_ready = lambda *_, **__: self._ready.set()
            self._receiver.capture(limit=None, timeout=None, wakeup=False)

    def messages_about(self, task_ids: list[str]) -> int:
        """Event messages that carried an event of one of these tasks."""
        wanted = set(task_ids)
        return sum(
            any(e.get("uuid") in wanted for e in (b if isinstance(b, list) else [b]))
            for b in list(self.bodies)
        )

    def of(self, task_id: str) -> list[str]:
        return [e["type"] for e in list(self.events) if e.get("uuid") == task_id]

    def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.should_stop = True
        self._thread.join(5)


@pytest.fixture
def heard(worker_env: dict[str, str]) -> Iterator[Heard]:
    receiver = Heard(worker_env["SMQ_REDIS_URL"])
    yield receiver
    receiver.stop()


@pytest.fixture
def producer(redis_client: RedisClient, settings: Settings) -> Producer:
    """Submits to the test workers' queue."""
    return Producer(redis_client, settings.model_copy(update={"queue": QUEUE}))


@pytest.fixture
def evented(stack_dir: Path, worker_env: dict[str, str]) -> Iterator[Callable[[float], Service]]:
    """Starts a worker of the test's own, on a queue of its own (no session worker takes its
    jobs), its events published every ``interval`` seconds; stopped after the test."""
    started: list[Service] = []

    def start(interval: float) -> Service:
        env = {**worker_env, "SMQ_QUEUE": QUEUE, "SMQ_TASK_EVENTS_FLUSH_INTERVAL": str(interval)}
        started.append(start_worker(stack_dir / "events", env, name="evented", concurrency=8))
        return started[-1]

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def jobs_done(
    producer: Producer, redis_client: RedisClient, endpoint: str, stream: str
) -> Callable[[int], list[str]]:
    """Submits ``n`` jobs one by one and waits for their results; their ids."""

    def run(n: int) -> list[str]:
        cursor = stream_tail(redis_client, stream)
        ids = [producer.submit(make_job(endpoint, stream)).job_id for _ in range(n)]
        pending = dict.fromkeys(ids, stream)
        results = list(wait_for(redis_client, pending, {stream: cursor}, timeout=30))
        assert {r.id for r in results} == set(ids)
        return ids

    return run


def test_every_event_of_every_job_is_heard_in_few_messages(
    heard: Heard, evented: Callable[[float], Service], jobs_done: Callable[[int], list[str]]
) -> None:
    evented(1.0)
    ids = jobs_done(6)
    wait_until(lambda: all(len(heard.of(i)) == 3 for i in ids), 10, "each job's three events")
    for job_id in ids:
        assert heard.of(job_id) == ["task-received", "task-started", "task-succeeded"]
    # Done within a second of each other: one message, or two if a tick fell between them.
    # Celery's own way (interval 0) publishes each loop turn's events: 9 messages in a run.
    assert heard.messages_about(ids) <= 2


def test_the_last_jobs_events_are_published_before_the_worker_exits(
    heard: Heard, evented: Callable[[float], Service], jobs_done: Callable[[int], list[str]]
) -> None:
    worker = evented(5.0)  # no tick during the test: only the flush at stop publishes
    [job_id] = jobs_done(1)
    assert "task-succeeded" not in heard.of(job_id)  # still in the worker's buffer
    assert worker.stop() == 0
    wait_until(lambda: "task-succeeded" in heard.of(job_id), 5, "the last job's events")
    assert heard.of(job_id) == ["task-received", "task-started", "task-succeeded"]
