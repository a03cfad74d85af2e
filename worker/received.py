"""Jobs begun as their message is received: the begin rides kombu's own round trip.

Before Celery sees a message, kombu records it as unacknowledged in Redis (one pipelined round
trip on the consumer thread, ``worker.broker.QoS``). With the thread pool the message's task
runs in this process moments later — prefetch multiplier 1: a message is received only when a
thread is free — so its jobs' ``begin.lua`` calls go in that same pipeline, and the task finds
the records here instead of paying a round trip of its own before its call (a light-load job's
largest share of latency beyond Celery's own).

Tasks of a prefork worker run in child processes that cannot see this table, so there nothing
is begun at receipt (``enable``); a task that finds nothing here begins its jobs itself.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from producer.keys import MAX_IDS_PER_MESSAGE, TASK_NAME
from worker.store import Begun

# Messages received but never run (revoked, or restored at shutdown) leave their records
# behind; the oldest go past this many.
_LIMIT = 4096


def message_job_ids(args: Sequence[Any], kwargs: Any) -> tuple[str, ...] | None:
    """The job ids a ``smq.run_job`` message carries, each once (a job named twice runs
    once), or None when the message is malformed."""
    if (
        args
        and not kwargs
        and len(args) <= MAX_IDS_PER_MESSAGE
        and all(isinstance(a, str) and a for a in args)
    ):
        return tuple(dict.fromkeys(args))
    return None


class Received:
    """Records of jobs begun at receipt, by task id, until the task takes them.

    A redelivered message is begun again as it is received again, replacing what an earlier
    delivery left, so a task never takes a record older than its own delivery.
    """

    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._begun: dict[str, tuple[tuple[str, ...], list[Begun]]] = {}
        self.enabled = False

    def wanted(self, headers: Any, payload: Any) -> tuple[str, tuple[str, ...]] | None:
        """(task id, job ids) of a job message to begin at receipt; None for anything else
        (left to the task, which answers a malformed message)."""
        if not self.enabled or not isinstance(headers, dict) or headers.get("task") != TASK_NAME:
            return None
        task_id = headers.get("id")
        if not isinstance(task_id, str) or not isinstance(payload, list | tuple):
            return None
        if len(payload) != 3 or not isinstance(payload[0], list | tuple):
            return None
        ids = message_job_ids(payload[0], payload[1])
        return None if ids is None else (task_id, ids)

    def put(self, task_id: str, ids: tuple[str, ...], begun: list[Begun]) -> None:
        with self._lock:
            self._begun.pop(task_id, None)
            self._begun[task_id] = (ids, begun)
            while len(self._begun) > self._limit:
                del self._begun[next(iter(self._begun))]

    def take(self, task_id: str | None, ids: Sequence[str]) -> list[Begun] | None:
        """The records begun for this task's jobs at receipt, once; None: begin them now."""
        if task_id is None:
            return None
        with self._lock:
            found = self._begun.pop(task_id, None)
        if found is None or found[0] != tuple(ids):
            return None
        return found[1]


RECEIVED = Received()


def enable(pool_cls: Any) -> None:
    """Begin at receipt when tasks run in this process (the thread or solo pool)."""
    module = getattr(pool_cls, "__module__", "") if isinstance(pool_cls, type) else ""
    RECEIVED.enabled = module in ("celery.concurrency.thread", "celery.concurrency.solo")
