"""The service as an operator sees it, read in one pipelined round trip: backlog in messages and
jobs, retries, pending asynchronous inferences, result streams and their consumer groups, dead
letters, live workers and pollers.

``smq status`` prints it (``service_status``); ``smq exporter`` serves it as Prometheus gauges
(``producer/exporter.py``), so both read the same numbers the same way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kombu.transport.redis import Channel as KombuRedisChannel

from producer.connection import RedisClient
from producer.keys import (
    ASYNC_DEADLINE,
    ASYNC_DUE,
    ASYNC_OLDEST,
    DEAD_LETTER_STREAM,
    HEARTBEAT_MAX_AGE,
    QUEUED,
    RESULT_DEAD_LETTER_SUFFIX,
    RETRY_DUE,
    Role,
    heartbeats_key,
)
from producer.settings import Settings

# Redis before 7.0 reports no consumer-group lag; it is counted then, up to this many entries
# (the entries come back whole, so the count is capped).
LAG_COUNT_CAP = 5000


def queue_lists(queue: str) -> list[str]:
    """The Redis lists that hold ``queue``'s messages: kombu keeps one list per priority step
    (``smq``, ``smq\\x06\\x163``, …, as its ``Channel._q_for_pri`` names them)."""
    sep = KombuRedisChannel.sep
    return [f"{queue}{sep}{p}" if p else queue for p in KombuRedisChannel.priority_steps]


@dataclass(frozen=True)
class Beat:
    """A live (or recently live) process: its last heartbeat's age on Redis's clock."""

    role: Role
    host: str
    pid: int
    age: float


@dataclass(frozen=True)
class GroupStatus:
    name: str
    pending: int  # delivered to a consumer, not acknowledged
    lag: int | None  # entries not yet delivered to the group (None: unknown)
    last_delivered_id: str = "0-0"


@dataclass(frozen=True)
class StreamStatus:
    name: str
    length: int
    groups: list[GroupStatus]


@dataclass(frozen=True)
class ServiceStatus:
    queue: str
    messages: int  # on the queue, every priority list
    unacked: int  # taken by a worker, not acknowledged (kombu's "unacked" hash)
    jobs_waiting: int
    oldest_waiting_seconds: float | None
    retries_waiting: int
    async_pending: int
    async_due: int
    async_oldest_seconds: float | None
    async_deadline_margin_seconds: float | None  # time left before the nearest deadline
    dead_letters: dict[str, int]  # dead-letter stream → entries
    streams: list[StreamStatus]
    beats: list[Beat] = field(default_factory=list)

    def alive(self, role: Role, max_age: float = HEARTBEAT_MAX_AGE) -> list[Beat]:
        return [b for b in self.beats if b.role == role and b.age <= max_age]


def read_status(
    redis: RedisClient, settings: Settings, streams: Sequence[str] = ()
) -> ServiceStatus:
    """Everything above in one round trip; the result streams are the default one plus
    ``streams`` (one more round trip on Redis < 7, to count consumer-group lag)."""
    names = list(dict.fromkeys([settings.result_stream, *streams]))
    dead = [DEAD_LETTER_STREAM] + [n + RESULT_DEAD_LETTER_SUFFIX for n in names]
    now = time.time()
    with redis.pipeline(transaction=False) as pipe:
        for name in queue_lists(settings.queue):
            pipe.llen(name)
        pipe.hlen(KombuRedisChannel.unacked_key)
        pipe.zcard(QUEUED)
        pipe.zrange(QUEUED, 0, 0, withscores=True)
        pipe.zcard(RETRY_DUE)
        pipe.zcard(ASYNC_DUE)
        pipe.zcount(ASYNC_DUE, "-inf", now)
        pipe.get(ASYNC_OLDEST)
        pipe.get(ASYNC_DEADLINE)
        for name in dead:
            pipe.xlen(name)
        pipe.time()
        for role in Role:
            pipe.zrange(heartbeats_key(role), 0, -1, withscores=True)
        for name in names:
            pipe.xlen(name)
            pipe.xinfo_groups(name)
        replies = iter(pipe.execute(raise_on_error=False))
    messages = sum(_int(next(replies)) for _ in queue_lists(settings.queue))
    unacked, waiting, first, retries, pending, due, oldest, deadline = (
        next(replies) for _ in range(8)
    )
    dead_letters = {name: _int(next(replies)) for name in dead}
    beats = _beats(next(replies), [(role, next(replies)) for role in Role])
    stream_replies = [(name, _int(next(replies)), next(replies)) for name in names]
    pending = _int(pending)
    return ServiceStatus(
        queue=settings.queue,
        messages=messages,
        unacked=_int(unacked),
        jobs_waiting=_int(waiting),
        oldest_waiting_seconds=_age(now, first[0][1]) if _ok(first) and first else None,
        retries_waiting=_int(retries),
        async_pending=pending,
        async_due=_int(due),
        # As the poller last saw them: refreshed every pass, exact within a backoff period.
        async_oldest_seconds=_age(now, oldest) if pending and _ok(oldest) and oldest else None,
        async_deadline_margin_seconds=(
            round(float(deadline) - now, 3) if pending and _ok(deadline) and deadline else None
        ),
        dead_letters=dead_letters,
        streams=_streams(redis, stream_replies),
        beats=beats,
    )


def service_status(redis: RedisClient, settings: Settings) -> dict[str, Any]:
    """``smq status`` without a job id: the status above as JSON-ready camelCase."""
    s = read_status(redis, settings)
    return {
        "queue": {
            "name": s.queue,
            # Messages, not jobs: a bulk submission puts several jobs in one message; the
            # jobs waiting to start are the smq:queued set.
            "length": s.messages,
            "unacked": s.unacked,
            "jobsWaiting": s.jobs_waiting,
            "oldestWaitingSeconds": s.oldest_waiting_seconds,
            "retriesWaiting": s.retries_waiting,
        },
        "async": {
            "pending": s.async_pending,
            "dueNow": s.async_due,
            "oldestAgeSeconds": s.async_oldest_seconds,
            "deadlineMarginSeconds": s.async_deadline_margin_seconds,
        },
        "deadLetters": s.dead_letters[DEAD_LETTER_STREAM],
        "resultStreams": {
            st.name: {
                "length": st.length,
                "deadLetters": s.dead_letters.get(st.name + RESULT_DEAD_LETTER_SUFFIX, 0),
                "groups": {g.name: {"pending": g.pending, "lag": g.lag} for g in st.groups},
            }
            for st in s.streams
        },
        "workersAlive": len(s.alive(Role.WORKER)),
        "pollersAlive": len(s.alive(Role.POLLER)),
    }


def read_beats(redis: RedisClient, role: Role) -> list[Beat]:
    """Every heartbeat of ``role`` with its age (old ones included; filter by age)."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.time()
        pipe.zrange(heartbeats_key(role), 0, -1, withscores=True)
        server_time, members = pipe.execute()
    return _beats(server_time, [(role, members)])


def _beats(server_time: Any, per_role: list[tuple[Role, Any]]) -> list[Beat]:
    if not _ok(server_time):
        raise server_time
    now = server_time[0] + server_time[1] / 1_000_000
    beats = []
    for role, members in per_role:
        for member, score in members if _ok(members) else []:
            host, _, pid = str(member).rpartition(":")
            beats.append(Beat(role, host, int(pid) if pid.isdigit() else 0, max(0.0, now - score)))
    return beats


def _streams(redis: RedisClient, replies: list[tuple[str, int, Any]]) -> list[StreamStatus]:
    """Streams with their groups; a group without Redis's own lag (before 7.0) is counted."""
    statuses = [
        StreamStatus(name, length, [_group(g) for g in (groups if _ok(groups) else [])])
        for name, length, groups in replies
    ]
    unknown = [(st.name, g) for st in statuses for g in st.groups if g.lag is None]
    if not unknown:
        return statuses
    with redis.pipeline(transaction=False) as pipe:
        for stream, g in unknown:
            pipe.xrange(stream, "(" + g.last_delivered_id, "+", count=LAG_COUNT_CAP)
        counts = pipe.execute(raise_on_error=False)
    lags = {
        (stream, g.name): len(c) if _ok(c) else None
        for (stream, g), c in zip(unknown, counts, strict=True)
    }
    return [
        StreamStatus(
            st.name,
            st.length,
            [replace(g, lag=lags.get((st.name, g.name), g.lag)) for g in st.groups],
        )
        for st in statuses
    ]


def _group(info: dict[str, Any]) -> GroupStatus:
    lag = info.get("lag")
    return GroupStatus(
        name=str(info["name"]),
        pending=int(info.get("pending") or 0),
        lag=int(lag) if lag is not None else None,
        last_delivered_id=str(info.get("last-delivered-id") or "0-0"),
    )


def _ok(reply: Any) -> bool:
    """A pipelined reply that is not an error (a missing stream, a wrong type)."""
    return not isinstance(reply, Exception)


def _int(reply: Any) -> int:
    return int(reply) if _ok(reply) and reply is not None else 0


def _age(now: float, since: Any) -> float:
    return round(max(0.0, now - float(since)), 3)
