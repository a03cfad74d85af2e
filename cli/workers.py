"""Which Celery workers are online: a broadcast ping, answered by each worker's event loop.

Celery keeps no registry of live workers in Redis; a ping is the one question every worker
answers (heartbeats need task events, which may be off). It costs its timeout, once.
"""

from __future__ import annotations

PING_TIMEOUT = 1.0


def workers_online(timeout: float = PING_TIMEOUT) -> list[str] | None:
    """Names of the workers that answered, or None when the ping itself failed."""
    try:
        from worker.app import app  # the worker side, loaded only when asked

        replies = app.control.ping(timeout=timeout) or []
    except Exception:  # the broker is away or refuses us: "unknown", not a crash of status
        return None
    return sorted(name for reply in replies for name in reply)


def no_worker_hint(queue: str) -> str:
    return (
        f"no worker answered a ping: nothing is consuming queue {queue!r}. "
        "Start one: celery -A worker.app worker"
    )
