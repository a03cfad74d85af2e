"""``smq health``: whether a worker or poller is alive, as a liveness/readiness probe.

Alive means a heartbeat in Redis (``producer/keys.py``) younger than ``max_age``: the process
runs and reaches Redis. Unhealthy, with a one-line reason: Redis unreachable (the caller's
``RedisError``), no heartbeat of the role (from this host with ``host``), or — a poller
being needed only while asynchronous inferences are pending — no poller alive while some are.
"""

from __future__ import annotations

from dataclasses import dataclass

from producer.connection import RedisClient, connect
from producer.keys import ASYNC_DUE, HEARTBEAT_MAX_AGE, Role
from producer.settings import Settings
from producer.status import Beat, read_beats

# A probe runs every 30 s with a 10 s timeout: seconds, not the worker's minute of patience.
PROBE_SOCKET_TIMEOUT = 2.0
PROBE_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Health:
    healthy: bool
    reason: str  # one line, for the probe's output


def probe_client(settings: Settings) -> RedisClient:
    """A client that answers "unreachable" within a few seconds (2 tries, 2 s timeouts)."""
    quick = settings.model_copy(
        update={"redis_socket_timeout": PROBE_SOCKET_TIMEOUT, "redis_max_connections": 2}
    )
    return connect(quick, PROBE_RETRY_SECONDS)


def check(
    redis: RedisClient, role: Role, *, host: str | None = None, max_age: float = HEARTBEAT_MAX_AGE
) -> Health:
    """The role's health; ``host``: only heartbeats from that host count (a probe inside the
    process's own container or pod passes ``socket.gethostname()``)."""
    beats = [b for b in read_beats(redis, role) if host is None or b.host == host]
    alive = [b for b in beats if b.age <= max_age]
    where = f" on {host}" if host else ""
    if alive:
        newest = min(alive, key=lambda b: b.age)
        return Health(True, f"ok: {len(alive)} {role}(s) alive{where}, {_last(newest)}")
    if role is Role.POLLER and host is None:
        pending = int(redis.zcard(ASYNC_DUE))
        if not pending:
            return Health(True, "ok: no poller alive, and no asynchronous inference pending")
        return Health(
            False, f"no poller alive while {pending} asynchronous inference(s) are pending"
        )
    last = f"; {_last(min(beats, key=lambda b: b.age))}" if beats else ""
    return Health(False, f"no {role} heartbeat{where} within {max_age:g}s{last}")


def _last(beat: Beat) -> str:
    return f"last beat {beat.age:.1f}s ago ({beat.host}:{beat.pid})"
