"""Retry decisions: attempts from the job, delay from its header or the capped backoff."""

from __future__ import annotations

from typing import Any

import pytest

from producer.contract import parse_job
from worker.retry import RetryMover, max_attempts, retry_delay
from worker.settings import WorkerSettings as Settings

BASE: dict[str, Any] = {
    "variables": {
        "authentication": {"type": "defaultCredentialsChain"},
        "configuration": {"region": "r"},
        "input": {"endpointName": "e", "body": 1},
    }
}


@pytest.mark.parametrize(("retries", "attempts"), [(0, 1), (1, 1), (3, 3), (7, 7)])
def test_max_attempts(retries: int, attempts: int) -> None:
    assert max_attempts(parse_job({**BASE, "retries": retries})) == attempts


def test_retry_backoff_header_wins() -> None:
    job = parse_job({**BASE, "headers": {"retryBackoff": "PT30S"}})
    assert retry_delay(job, 1, Settings()) == 30.0
    assert retry_delay(job, 5, Settings()) == 30.0


def test_default_backoff_doubles_to_the_cap_with_jitter() -> None:
    job = parse_job(BASE)
    settings = Settings(retry_backoff_initial=1.0, retry_backoff_max=8.0)
    for attempt, base in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        assert base * 0.8 <= retry_delay(job, attempt, settings) <= base * 1.2


def test_the_retry_mover_stops_and_joins() -> None:
    # Its event once shadowed Thread._stop, which join() calls: join raised TypeError.
    mover = RetryMover(None, Settings(retry_scan_interval=0.01))  # type: ignore[arg-type]
    mover.start()

    mover.stop()
    mover.join(timeout=5)

    assert not mover.is_alive()
