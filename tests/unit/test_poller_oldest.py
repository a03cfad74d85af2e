"""The poller works out its oldest pending inference at most once a second, not once a pass,
and drops the inferences it has not seen lately every 15 s: both walk every inference seen
lately (100,000 in B4)."""

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


def test_an_inference_not_seen_lately_stops_counting_at_the_next_prune() -> None:
    # Finished by another poller: this one never sees it again. It is dropped once it is
    # older than the horizon (1.5 x backoff max + claim lease), at a prune (every 15 s).
    poller, store = _poller()
    s = poller._settings
    t = 1000.0 + 1.5 * s.async_backoff_max + s.async_claim_seconds + 1  # "gone" is past it
    poller._seen = {"gone": (10.0, 500.0, 1000.0), "live": (100.0, 900.0, t)}
    try:
        poller._note_oldest(t - 2)  # the first note prunes: "gone" was still within
        poller._note_oldest(t + 10)  # past the horizon, but before the next prune: kept
        poller._note_oldest(t + 13)  # the next prune drops it
        poller._note_oldest(t + 14)

        assert store.noted == [(10.0, 500.0), (10.0, 500.0), (100.0, 900.0), (100.0, 900.0)]
        assert set(poller._seen) == {"live"}
    finally:
        poller.close()
