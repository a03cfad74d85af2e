"""The adapter's slots (adapters.inflight): reservations bound what an activation asks for."""

from __future__ import annotations

import threading
import time

import pytest

from adapters.inflight import HeldJob, InFlight


def _held(key: str) -> HeldJob:
    return HeldJob(key, f"c8:{key}:1", frozenset(), time.monotonic(), time.monotonic() + 60)


def _fill(slots: InFlight, count: int) -> None:
    assert slots.reserve(count, timeout=0) == count
    for n in range(count):
        slots.hold(_held(str(n)))


@pytest.mark.parametrize(
    ("capacity", "held", "most", "expected"),
    [(8, 0, 100, 8), (8, 0, 3, 3), (8, 6, 100, 2), (8, 8, 100, 0)],
)
def test_reserve_takes_the_free_slots(capacity: int, held: int, most: int, expected: int) -> None:
    slots = InFlight(capacity)
    _fill(slots, held)
    assert slots.reserve(most, timeout=0.05) == expected


def test_a_released_job_frees_a_waiting_reservation() -> None:
    slots = InFlight(2)
    _fill(slots, 2)
    threading.Timer(0.05, slots.release, args=("0",)).start()
    assert slots.reserve(5, timeout=2) == 1
    assert len(slots) == 1


def test_linger_waits_for_a_bigger_batch() -> None:
    # Given 7 of 8 slots held: one free is less than a quarter of the capacity (2)
    slots = InFlight(8)
    _fill(slots, 7)
    threading.Timer(0.03, slots.release, args=("0",)).start()
    started = time.monotonic()
    # When reserving with a 0.5 s linger, the second freed slot is worth waiting for
    assert slots.reserve(8, timeout=2, linger=0.5) == 2
    assert time.monotonic() - started < 0.4


def test_unreserve_and_wait_empty() -> None:
    slots = InFlight(4)
    assert slots.reserve(4, timeout=0) == 4
    slots.unreserve(3)
    slots.hold(_held("a"))
    assert not slots.wait_empty(0.01)
    threading.Timer(0.02, slots.release, args=("a",)).start()
    assert slots.wait_empty(2)
