"""``smq spiff run``: apply results to waiting instances, and keep the outbox empty.

Reads the adapter's result stream as a member of a consumer group, so any number of
replicas share it and each result goes to one; an instance changed by two replicas at once
is saved by compare-and-set, so each result is applied once. A result is acknowledged
only after it was applied; one that keeps failing is dead-lettered by ``ResultConsumer``
after five deliveries.
"""

from __future__ import annotations

import threading
import time

import structlog
from redis.exceptions import RedisError

from adapters.spiff.engine import SpiffEngine
from producer.results import ResultConsumer

log = structlog.get_logger(__name__)


class Runner:
    def __init__(self, engine: SpiffEngine) -> None:
        s = engine.settings
        self._engine = engine
        self._poll = s.spiff_poll_seconds
        self._consumer = ResultConsumer(
            engine.redis,
            s.spiff_result_stream,
            group=s.spiff_group,
            consumer=s.spiff_consumer,
            block_ms=max(1, int(s.spiff_poll_seconds * 1000)),
            claim_idle_ms=max(1, int(s.spiff_claim_idle_seconds * 1000)),
        )
        self._last_chores = 0.0

    def run(self, stop: threading.Event) -> None:
        log.info("spiff_runner_started", stream=self._consumer.stream,
                 consumer=self._consumer.consumer)  # fmt: skip
        while not stop.is_set():
            try:
                self._read(stop)
                self._chores()
            except RedisError as exc:
                log.warning("redis_unavailable", error=str(exc))
                stop.wait(self._poll)
        log.info("spiff_runner_stopped")

    def _read(self, stop: threading.Event) -> None:
        """Apply results until none arrives within the poll time (or ``stop``)."""
        for result in self._consumer.results(follow=False):
            try:
                self._engine.apply(result)
            except RedisError:
                raise
            except Exception:
                # Left unacknowledged (the generator is closed before its ack): read again
                # at once, and dead-lettered after five deliveries.
                log.exception("result_apply_failed", job_id=result.id)
                return
            if stop.is_set():
                return
            if time.monotonic() - self._last_chores > self._poll:
                self._chores()

    def _chores(self) -> None:
        self._last_chores = time.monotonic()
        store, s = self._engine.store, self._engine.settings
        for instance_id in store.unsubmitted(time.time() - s.spiff_outbox_grace_seconds):
            count = self._engine.replay(instance_id)
            log.warning("outbox_replayed", instance_id=instance_id, jobs=count)
        for instance_id in store.due(time.time()):
            self._engine.wake(instance_id)
        if s.spiff_keep_finished_seconds:  # nothing expires before it could have ended
            store.prune(time.time() - s.spiff_keep_finished_seconds)
