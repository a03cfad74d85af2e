"""The engine jobs this replica holds: a bounded set of slots, shared by the activation
loops (which reserve slots before asking the engine for jobs), the reporter (which frees
them) and the deadline extender."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class HeldJob:
    job_key: str
    job_id: str  # queue job of the current attempt
    secrets: frozenset[str]  # inline credential values from the job's variables, to mask
    activated_at: float  # time.monotonic()
    extend_at: float  # time.monotonic() when the engine deadline should next be pushed


class InFlight:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._jobs: dict[str, HeldJob] = {}
        self._reserved = 0
        self._changed = threading.Condition()

    def __len__(self) -> int:
        with self._changed:
            return len(self._jobs)

    def reserve(self, most: int, timeout: float, linger: float = 0.0) -> int:
        """Reserve up to ``most`` free slots, waiting up to ``timeout`` for at least one;
        0 when none came free.

        With ``linger``, a reservation smaller than a quarter of the capacity waits up to that
        long for more slots to free: one activation of 30 jobs (one round trip, queue
        messages of several jobs) costs far less than 30 activations of one.
        """
        started = time.monotonic()
        deadline = started + timeout
        enough = min(most, max(1, self.capacity // 4))
        with self._changed:
            while True:
                free = self.capacity - len(self._jobs) - self._reserved
                now = time.monotonic()
                if free >= enough or (free > 0 and now - started >= linger):
                    break
                if now >= deadline:
                    return 0
                wait = deadline - now if free <= 0 else started + linger - now
                self._changed.wait(max(0.0, min(wait, deadline - now)))
            taken = min(free, most)
            self._reserved += taken
            return taken

    def unreserve(self, count: int) -> None:
        with self._changed:
            self._reserved -= count
            self._changed.notify_all()

    def hold(self, job: HeldJob) -> None:
        """Turn one reserved slot into a held job (a job re-activated while still held keeps
        its one slot and gives the reservation back)."""
        with self._changed:
            self._reserved -= 1
            self._jobs[job.job_key] = job
            self._changed.notify_all()

    def release(self, job_key: str) -> HeldJob | None:
        with self._changed:
            job = self._jobs.pop(job_key, None)
            if job is not None:
                self._changed.notify_all()
            return job

    def get(self, job_key: str) -> HeldJob | None:
        with self._changed:
            return self._jobs.get(job_key)

    def due(self, now: float) -> list[HeldJob]:
        """Held jobs whose engine deadline should be pushed now."""
        with self._changed:
            return [job for job in self._jobs.values() if job.extend_at <= now]

    def wait_empty(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._jobs:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True
