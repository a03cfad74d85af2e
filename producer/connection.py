"""Redis connections for the service's own commands (not Celery's broker connection)."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.synchronize
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

if TYPE_CHECKING:
    from producer.settings import Settings

RedisClient = redis.Redis


_BACKOFF_CAP = 2.0
_stopping: threading.Event | multiprocessing.synchronize.Event = threading.Event()


def share_stopping_with_forks() -> None:
    """Make ``stop_retrying`` reach processes forked from this one (Celery's prefork children):
    the main process gets SIGTERM, its children run the jobs whose posts ride out an outage.
    Call before the pool forks."""
    global _stopping
    _stopping = multiprocessing.get_context("fork").Event()


def stop_retrying() -> None:
    """This process is shutting down: its Redis commands stop riding out a lost connection.

    A command already retrying fails at its next backoff (within ``_BACKOFF_CAP`` seconds),
    so SIGTERM is honoured in seconds even while Redis is down, instead of after
    ``SMQ_REDIS_RETRY_SECONDS``. Safe for the same reason retrying is: every write is
    idempotent per job, and what this process leaves unfinished another one resumes.
    """
    _stopping.set()


class _Backoff(ExponentialWithJitterBackoff):
    """redis-py's jittered backoff, which gives up once the process is stopping."""

    def compute(self, failures: int) -> float:
        if _stopping.is_set():
            raise RedisConnectionError("not retrying: this process is shutting down")
        return float(super().compute(failures))


def connect(settings: Settings, retry_seconds: float | None = None) -> RedisClient:
    """A pooled client with timeouts, so a dead Redis is an error, not a hang, and retries
    that ride out a Redis restart of up to ``SMQ_REDIS_RETRY_SECONDS``.

    Retrying a command that may have run is safe here: every write of ours is idempotent per
    job (the Lua scripts check the job's state first).
    """
    budget = settings.redis_retry_seconds if retry_seconds is None else retry_seconds
    retries = max(1, math.ceil(budget / _BACKOFF_CAP))
    pool = redis.BlockingConnectionPool.from_url(
        settings.redis_url,
        # A thread waits for a free connection (up to the socket timeout) instead of failing
        # with "Too many connections", and a busy process holds a bounded number of sockets.
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_socket_timeout,
        decode_responses=True,
        socket_timeout=settings.redis_socket_timeout,
        socket_connect_timeout=settings.redis_socket_timeout,
        health_check_interval=30,
        retry=Retry(_Backoff(cap=_BACKOFF_CAP, base=0.05), retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    return redis.Redis.from_pool(pool)


class LuaScript:
    """A Lua script run by sha, loaded on first use and again after a Redis restart.

    redis-py's ``Script`` inside a pipeline sends SCRIPT EXISTS before every execute; this
    keeps a bulk enqueue at one round trip.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha: str | None = None

    @classmethod
    def beside(cls, module_file: str, name: str) -> LuaScript:
        """The script in the file ``name`` next to the module that runs it, read once."""
        return cls(Path(module_file).with_name(name).read_text(encoding="utf-8"))

    def ensure_loaded(self, client: RedisClient) -> str:
        if self.sha is None:
            self.sha = str(client.script_load(self.source))
        return self.sha

    def __call__(self, client: RedisClient, keys: list[str], args: list[Any]) -> Any:
        sha = self.ensure_loaded(client)
        try:
            return client.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            self.sha = None
            return client.evalsha(self.ensure_loaded(client), len(keys), *keys, *args)

    def run_many(self, client: RedisClient, calls: list[tuple[list[str], list[Any]]]) -> list[Any]:
        """Run the script once per (keys, args) in one pipelined round trip (a lone call
        goes without a pipeline, which costs more than it saves for one command)."""
        if len(calls) == 1:
            return [self(client, *calls[0])]
        sha = self.ensure_loaded(client)
        results = self._pipeline(client, sha, calls)
        if any(isinstance(r, NoScriptError) for r in results):
            # Redis lost its script cache (a restart): run all again. Every script of ours is
            # idempotent per job, so a call that did run is not repeated in effect.
            self.sha = None
            results = self._pipeline(client, self.ensure_loaded(client), calls)
        for r in results:
            if isinstance(r, Exception):
                raise r
        return results

    @staticmethod
    def _pipeline(
        client: RedisClient, sha: str, calls: list[tuple[list[str], list[Any]]]
    ) -> list[Any]:
        with client.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(sha, len(keys), *keys, *args)
            return list(pipe.execute(raise_on_error=False))
