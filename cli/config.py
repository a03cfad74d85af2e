"""The settings and the Redis connection a command runs against, with readable failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from cli.errors import CliError, Exit, redis_error
from producer.connection import RedisClient, connect
from producer.settings import ENV_PREFIX, Settings, get_settings

if TYPE_CHECKING:
    from worker.settings import WorkerSettings

S = TypeVar("S", bound=Settings)
# A person at a terminal wants "Redis unreachable" in seconds, not after a worker's patience.
CLI_RETRY_SECONDS = 4.0
_PROBE_TIMEOUT = 3.0


def load_settings() -> Settings:
    """The client's ``SMQ_*`` settings, or one line per bad variable naming it and the reason."""
    return _validated(get_settings)


def load_worker_settings() -> WorkerSettings:
    """The same for a command that runs worker-side code (its settings extend the client's)."""
    from worker.settings import get_worker_settings  # the worker side, loaded on demand

    return _validated(get_worker_settings)


def _validated(kind: Callable[[], S]) -> S:
    try:
        return kind()
    except ValidationError as exc:
        raise CliError(
            "; ".join(_setting_problem(e) for e in exc.errors(include_url=False))
        ) from None


def _setting_problem(error: ErrorDetails) -> str:
    reason = error["msg"].removeprefix("Value error, ")
    loc = error["loc"]
    if not loc:  # a check across settings: its message names the variables
        return f"bad settings: {reason}"
    return f"bad setting {ENV_PREFIX}{str(loc[0]).upper()}: {reason}"


def redis_for(settings: Settings) -> RedisClient:
    """A client for the service's Redis, after one probe that fails fast and says why.

    The probe has no retries: a wrong URL, a refused connection or a missing password is
    not going to get better in the next seconds, and the pooled client would retry it.
    """
    url = settings.redis_url
    try:
        probe = Redis.from_url(
            url,
            socket_connect_timeout=_PROBE_TIMEOUT,
            socket_timeout=_PROBE_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as exc:
        raise CliError(
            f"SMQ_REDIS_URL is not a Redis URL ({exc}); "
            "expected redis://[:PASSWORD@]HOST:PORT/DB, rediss://… or unix://PATH",
            Exit.INVALID,
        ) from None
    try:
        probe.ping()
    except RedisError as exc:
        raise redis_error(exc, url) from None
    finally:
        probe.close()
    return connect(settings, CLI_RETRY_SECONDS)
