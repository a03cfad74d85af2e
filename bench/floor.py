"""B2's floor: a Celery task that only answers on a stream, through the same broker and app.

Loaded into a benchmark worker with ``-I bench.floor``; never part of the service. Its
enqueue → answer time is what Celery's path alone costs (queue pop, unacked bookkeeping, task
events, the pool hand-off), so B2's added latency can be split into Celery's share and ours.
"""

from __future__ import annotations

import json
import time
from functools import cache

from producer.connection import RedisClient, connect
from producer.envelope import task_message
from worker.app import app, settings

PING = "bench.ping"


@cache
def _redis() -> RedisClient:
    return connect(settings)


@app.task(name=PING)
def ping(stream: str) -> None:
    _redis().xadd(stream, {"pong": "1"})


def ping_message(stream: str, queue: str) -> str:
    """A ``bench.ping(stream)`` message in the same hand-built format as a job's."""
    message = json.loads(task_message(stream, queue))
    message["headers"]["task"] = PING
    return json.dumps(message)


def round_trip_ms(redis: RedisClient, queue: str, stream: str) -> float:
    """One ping: LPUSH its message, block on the stream for the answer."""
    last = redis.xrevrange(stream, count=1)
    cursor = str(last[0][0]) if last else "0-0"
    started = time.perf_counter()
    redis.lpush(queue, ping_message(stream, queue))
    if not redis.xread({stream: cursor}, count=1, block=10_000):
        raise TimeoutError("no pong within 10 s")
    return (time.perf_counter() - started) * 1000
