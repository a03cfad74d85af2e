"""Trimming the ingress stream against a real redis-server: only what every consumer group
has read and acknowledged goes."""

from __future__ import annotations

import uuid

from adapters.ingress.dispatcher import Dispatcher
from adapters.ingress.settings import IngressSettings
from adapters.ingress.trim import acknowledged_bound, trim_acknowledged
from producer.connection import RedisClient
from worker.settings import WorkerSettings


def _stream(redis: RedisClient, entries: int) -> tuple[str, list[str]]:
    name = f"functional:ingress:{uuid.uuid4().hex[:8]}"
    return name, [str(redis.xadd(name, {"job": str(i)})) for i in range(entries)]


def _read(redis: RedisClient, stream: str, group: str, count: int, ack: int) -> None:
    """``group`` reads ``count`` new entries and acknowledges the first ``ack`` of them."""
    reply = redis.xreadgroup(group, "c1", {stream: ">"}, count=count)
    read = [entry_id for entry_id, _ in reply[0][1]] if reply else []
    if ack:
        redis.xack(stream, group, *read[:ack])


def _ids(redis: RedisClient, stream: str) -> list[str]:
    return [entry_id for entry_id, _ in redis.xrange(stream)]


def test_entries_every_group_acknowledged_go_and_the_rest_stay(redis: RedisClient) -> None:
    # Given two groups: "fast" acknowledged all 6, "slow" read 4 and acknowledged 2
    stream, ids = _stream(redis, 6)
    for group in ("fast", "slow"):
        redis.xgroup_create(stream, group, id="0")
    _read(redis, stream, "fast", 6, ack=6)
    _read(redis, stream, "slow", 4, ack=2)
    # When trimmed: the bound is slow's oldest pending entry
    assert acknowledged_bound(redis, stream) == ids[2]
    assert trim_acknowledged(redis, stream) == 2
    # Then the pending and unread ones stay, and slow finishes its reading unharmed
    assert _ids(redis, stream) == ids[2:]
    redis.xack(stream, "slow", ids[2], ids[3])
    _read(redis, stream, "slow", 10, ack=2)
    assert trim_acknowledged(redis, stream) == 4
    assert _ids(redis, stream) == []
    # And the emptied stream takes new entries
    later = str(redis.xadd(stream, {"job": "later"}))
    assert _ids(redis, stream) == [later]


def test_a_group_that_read_nothing_keeps_everything(redis: RedisClient) -> None:
    stream, ids = _stream(redis, 3)
    redis.xgroup_create(stream, "done", id="0")
    redis.xgroup_create(stream, "idle", id="0")
    _read(redis, stream, "done", 3, ack=3)
    assert trim_acknowledged(redis, stream) == 0
    assert _ids(redis, stream) == ids


def test_a_stream_without_groups_is_not_trimmed(redis: RedisClient) -> None:
    stream, ids = _stream(redis, 3)
    assert acknowledged_bound(redis, stream) is None
    assert trim_acknowledged(redis, stream) == 0
    assert _ids(redis, stream) == ids


def test_the_dispatcher_trims_only_when_asked(redis: RedisClient, settings: WorkerSettings) -> None:
    stream, ids = _stream(redis, 4)
    redis.xgroup_create(stream, "smq-ingress", id="0")
    _read(redis, stream, "smq-ingress", 4, ack=4)
    base = {"redis_url": settings.redis_url, "ingress_stream": stream}
    off = Dispatcher(redis, IngressSettings(**base, ingress_trim=False))
    assert off.trim() == 0 and _ids(redis, stream) == ids
    on = Dispatcher(redis, IngressSettings(**base))
    assert on.trim() == 4 and _ids(redis, stream) == []
