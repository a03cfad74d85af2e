"""``producer.results.wait_for`` on a real redis-server: stored results answered from one
lookup, new jobs read from the stream only."""

from __future__ import annotations

from typing import Any

from producer.connection import RedisClient
from producer.contract import Result
from producer.keys import JobField, job_key
from producer.results import stream_tail, wait_for
from worker.publish import post_many
from worker.settings import WorkerSettings


def result(job_id: str) -> Result:
    return Result(id=job_id, status="completed", response={"body": job_id})


def test_done_jobs_are_answered_from_their_records_and_new_ones_from_the_stream(
    redis: RedisClient, settings: WorkerSettings, monkeypatch: Any
) -> None:
    # Given two jobs done before the cursor, and one the caller has just enqueued
    stream = settings.result_stream
    post_many(redis, settings, [(result("done-1"), stream), (result("done-2"), stream)])
    cursor = stream_tail(redis, stream)
    redis.hset(job_key("new-1"), JobField.STATE, "queued")
    lookups: list[str] = []
    real_hget = type(redis.pipeline()).hget

    def counting_hget(pipe: Any, key: str, field: str) -> Any:
        lookups.append(key)
        return real_hget(pipe, key, field)

    monkeypatch.setattr(type(redis.pipeline()), "hget", counting_hget)
    pending = {"done-1": stream, "done-2": stream, "new-1": stream}
    waiting = wait_for(redis, pending, {stream: cursor}, timeout=10, new={"new-1"})

    # When the new one's result is posted after the done ones were answered
    first_two = [next(waiting).id, next(waiting).id]
    post_many(redis, settings, [(result("new-1"), stream)])
    rest = [r.id for r in waiting]

    # Then each comes once, and only the done ones were looked up
    assert sorted(first_two) == ["done-1", "done-2"]
    assert rest == ["new-1"]
    assert sorted(lookups) == [job_key("done-1"), job_key("done-2")]
