"""The result stream's consumer: reclaims what dead consumers left, buries poison entries."""

from __future__ import annotations

from typing import Any

import pytest

from ops.local import wait_until
from producer.connection import RedisClient
from producer.results import ResultConsumer
from tests.integration.conftest import make_job

pytestmark = pytest.mark.integration


def test_entries_of_a_dead_consumer_are_reclaimed_by_another(
    run_jobs: Any, endpoint: str, stream: str, redis_client: RedisClient
) -> None:
    [done] = run_jobs(make_job(endpoint, stream))
    dead = ResultConsumer(redis_client, stream, group="g", consumer="dead", block_ms=50)
    assert next(dead.results()).id == done.id  # handed out, never acknowledged

    survivor = ResultConsumer(
        redis_client, stream, group="g", consumer="alive", block_ms=50, claim_idle_ms=100
    )
    wait_until(
        lambda: (
            redis_client.xpending_range(stream, "g", "-", "+", 10)[0]["time_since_delivered"] > 100
        ),
        5,
        "the entry to go idle",
    )
    ids = [r.id for r in survivor.results()]

    assert ids == [done.id]
    assert redis_client.xpending(stream, "g")["pending"] == 0


def test_an_entry_that_keeps_killing_consumers_goes_to_the_dead_letter_stream(
    run_jobs: Any, endpoint: str, stream: str, redis_client: RedisClient
) -> None:
    [done] = run_jobs(make_job(endpoint, stream))
    for n in range(3):  # three consumers take it and die before acknowledging
        consumer = ResultConsumer(
            redis_client,
            stream,
            group="g",
            consumer=f"c{n}",
            block_ms=50,
            claim_idle_ms=0,
            max_deliveries=3,
        )
        assert next(consumer.results()).id == done.id

    last = ResultConsumer(
        redis_client,
        stream,
        group="g",
        consumer="c9",
        block_ms=50,
        claim_idle_ms=0,
        max_deliveries=3,
    )
    assert list(last.results()) == []

    [(_, fields)] = redis_client.xrange(stream + ":dead")
    assert fields["id"] == done.id
    assert "delivered 3 times" in fields["reason"]
    assert redis_client.xpending(stream, "g")["pending"] == 0
