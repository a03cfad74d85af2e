"""The poller works out its oldest pending inference at most once a second, not once a pass:
it walks every inference seen lately (46 ms a pass at 100,000 pending)."""

from __future__ import annotations

from redis import Redis

from worker.poller.loop import Poller
from worker.settings import WorkerSettings


class _Store:
    def __init__(self) -> None:
        self.noted: list[tuple[float | None, float | None]] = []

    def note_oldest(self, invoked_at: float | None, deadline: float | None = None) -> None:
        self.noted.append((invoked_at, deadline))


def _poller() -> tuple[Poller, _Store]:
    # A client that never connects: nothing here reaches Redis.
    poller = Poller(Redis.from_url("redis://127.0.0.1:1/0"), WorkerSettings())
    store = _Store()
    poller.store = store  # type: ignore[assignment]
    return poller, store


def test_passes_within_a_second_note_the_oldest_once() -> None:
    poller, store = _poller()
    poller._seen = {"a": (100.0, 900.0, 1000.0), "b": (200.0, 800.0, 1000.0)}
    try:
        for now in (1000.0, 1000.25, 1000.5, 1000.99):
            poller._note_oldest(now)

        assert store.noted == [(100.0, 800.0)]
    finally:
        poller.close()


def test_a_second_later_it_is_noted_again_with_what_was_seen_meanwhile() -> None:
    poller, store = _poller()
    poller._seen = {"a": (100.0, 900.0, 1000.0)}
    try:
        poller._note_oldest(1000.0)
        poller._seen["c"] = (50.0, 700.0, 1000.5)
        poller._note_oldest(1000.5)
        poller._note_oldest(1001.0)

        assert store.noted == [(100.0, 900.0), (50.0, 700.0)]
    finally:
        poller.close()
