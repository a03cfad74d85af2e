"""The heartbeat of a worker process or poller: its member in ``smq:heartbeats:<role>``,
stamped every ``HEARTBEAT_INTERVAL`` seconds from a thread of its own.

It proves what a probe can check from outside: the process runs and reaches Redis. It has its
own small connection pool, so a beat never waits behind jobs for a connection, and short
retries, so a Redis outage shows as missing beats rather than as a stuck thread.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import structlog
from redis.exceptions import RedisError

from producer.connection import LuaScript, RedisClient, connect
from producer.keys import HEARTBEAT_INTERVAL, Role, heartbeats_key
from producer.settings import Settings

log = structlog.get_logger("worker.heartbeat")
_BEAT = LuaScript.beside(__file__, "heartbeat.lua")
_FORGET_AFTER = 3600  # seconds: how long a silent member stays listed (health names it)
_SET_EXPIRY = 86_400


def member() -> str:
    """This process, as ``smq health --this-host`` matches it: ``<hostname>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat_client(settings: Settings) -> RedisClient:
    quick = settings.model_copy(update={"redis_socket_timeout": 5.0, "redis_max_connections": 2})
    return connect(quick, retry_seconds=2.0)


class Heartbeat(threading.Thread):
    def __init__(
        self, redis: RedisClient, role: Role, *, interval: float = HEARTBEAT_INTERVAL
    ) -> None:
        super().__init__(name=f"smq-heartbeat-{role}", daemon=True)
        self._redis = redis
        self._key = heartbeats_key(role)
        self._interval = interval
        self._stopping = threading.Event()
        self.member = member()

    def beat(self) -> None:
        _BEAT(self._redis, [self._key], [self.member, _FORGET_AFTER, _SET_EXPIRY])

    def run(self) -> None:
        failing = False
        while True:
            try:
                self.beat()
                if failing:
                    log.info("heartbeat_resumed", key=self._key)
                failing = False
            except RedisError as exc:  # Redis away: the missing beats say so
                if not failing:
                    log.warning("heartbeat_failed", key=self._key, error=str(exc))
                failing = True
            if self._stopping.wait(self._interval):
                return

    def stop(self) -> None:
        """Stop beating and leave the set: a process stopped on purpose is not alive."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=3.0)  # a beat under way would write the member back
        with contextlib.suppress(RedisError):  # Redis away: the member ages out instead
            self._redis.zrem(self._key, self.member)
