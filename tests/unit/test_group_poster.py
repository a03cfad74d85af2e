"""GroupPoster: many threads' results in few round trips, each caller answered for its own."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from producer.contract import Result
from worker import publish
from worker.settings import WorkerSettings as Settings


class _FakeRedis:
    """Stands in for the pipelined round trip: records each batch, takes a little time."""

    def __init__(self, fail_when: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail_when = fail_when
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0

    def post_many(self, _: Any, __: Any, items: list[tuple[Result, str]]) -> list[str | None]:
        ids = [result.id for result, _ in items]
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        time.sleep(0.005)
        with self._lock:
            self._in_flight -= 1
            self.batches.append(ids)
        if self.fail_when in ids:
            raise ConnectionError("redis went away")
        return [f"entry-{i}" for i in ids]


def _result(n: int) -> Result:
    return Result(id=f"job-{n}", status="completed")


def _poster(monkeypatch: pytest.MonkeyPatch, fake: _FakeRedis) -> publish.GroupPoster:
    monkeypatch.setattr(publish, "post_many", fake.post_many)
    return publish.GroupPoster(None, Settings())  # type: ignore[arg-type]


def test_each_caller_gets_its_own_entry_and_concurrent_posts_share_round_trips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _FakeRedis()
    poster = _poster(monkeypatch, fake)

    with ThreadPoolExecutor(32) as pool:
        entries = list(pool.map(lambda n: poster.post(_result(n), "s"), range(200)))

    assert entries == [f"entry-job-{n}" for n in range(200)]
    posted = [i for batch in fake.batches for i in batch]
    assert sorted(posted) == sorted(f"job-{n}" for n in range(200))  # each exactly once
    assert len(fake.batches) < 200  # shared round trips
    assert fake.max_in_flight == 1  # one leader at a time


def test_a_lone_result_is_posted_at_once_in_its_own_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _FakeRedis()
    poster = _poster(monkeypatch, fake)

    assert poster.post(_result(1), "s") == "entry-job-1"
    assert poster.post(_result(2), "s") == "entry-job-2"
    assert fake.batches == [["job-1"], ["job-2"]]


def test_a_failed_round_trip_raises_in_every_caller_it_carried_and_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _FakeRedis(fail_when="job-7")
    poster = _poster(monkeypatch, fake)

    def post(n: int) -> str | Exception:
        try:
            return str(poster.post(_result(n), "s"))
        except ConnectionError as exc:
            return exc

    with ThreadPoolExecutor(16) as pool:
        outcomes = dict(zip(range(40), pool.map(post, range(40)), strict=True))

    [failed_batch] = [b for b in fake.batches if "job-7" in b]
    for n, outcome in outcomes.items():
        if f"job-{n}" in failed_batch:
            assert isinstance(outcome, ConnectionError)
        else:
            assert outcome == f"entry-job-{n}"


def test_an_interrupted_post_still_answers_its_waiters_and_posting_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = {"n": 0}

    def post_many(_: Any, __: Any, items: list[tuple[Result, str]]) -> list[str | None]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return [f"entry-{result.id}" for result, _ in items]

    monkeypatch.setattr(publish, "post_many", post_many)
    poster = publish.GroupPoster(None, Settings())  # type: ignore[arg-type]

    with pytest.raises(KeyboardInterrupt):
        poster.post(_result(1), "s")

    assert poster.post(_result(2), "s") == "entry-job-2"  # the lead was released
