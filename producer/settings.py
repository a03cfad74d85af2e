"""The client side's settings: what any producer, adapter or CLI needs, read from ``SMQ_*``.

Parsed once at process start (``get_settings()``) and passed down. Worker processes read
``worker.settings.WorkerSettings``, which extends this class with what only they use, so
one process still has one settings object. AWS endpoints are not here on purpose: boto3
already reads ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` and ``AWS_ENDPOINT_URL``, and a job
may override them with ``configuration.endpoint``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from producer.keys import MAX_IDS_PER_MESSAGE

ENV_PREFIX = "SMQ_"
# Redis holds a value of at most 512 MB; a job far below that still costs its size in memory
# on Redis and on the worker that loads it.
DEFAULT_MAX_JOB_BYTES = 32 * 1024 * 1024


class Settings(BaseSettings):
    """Client settings; each field is the environment variable ``SMQ_<FIELD>``."""

    # hide_input_in_errors: a bad setting must not print SMQ_REDIS_URL and its password.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True, hide_input_in_errors=True
    )

    redis_url: str = Field(
        "redis://localhost:6379/0", description="Redis for the queue, job state and results."
    )
    queue: str = Field(
        "smq",
        description="Celery queue (a Redis list) jobs are sent to. One per Redis database: "
        "the retry and waiting-job sets are shared.",
    )
    result_stream: str = Field(
        "smq:results", description="Default result stream when a job has no `replyTo`."
    )
    job_ttl_seconds: int = Field(
        7 * 24 * 3600,
        ge=60,
        description="How long a job's record (state, result) is kept; ids are unique within it.",
    )
    batch_size: int = Field(
        8,
        ge=1,
        le=MAX_IDS_PER_MESSAGE,
        description="Most job ids one queue message carries when many jobs are submitted "
        "together; a worker runs a message's jobs in parallel, so a process has up to "
        "concurrency x batch size calls in flight. 1: one message per job.",
    )
    max_job_bytes: int = Field(
        DEFAULT_MAX_JOB_BYTES,
        ge=1024,
        lt=512 * 1024 * 1024,
        description="Largest job document (bytes, as stored) a producer accepts; a larger one "
        "is refused at submit. Large inputs belong in S3 (an ASYNC job's `inputLocation`).",
    )
    redis_socket_timeout: float = Field(
        10.0, gt=0, description="Socket timeout for the service's own Redis commands, seconds."
    )
    redis_max_connections: int = Field(
        64,
        ge=2,
        le=10_000,
        description="Redis connections per process for the service's own commands; a thread "
        "waits up to the socket timeout for a free one.",
    )
    redis_retry_seconds: float = Field(
        60.0,
        ge=0,
        description="How long the service's Redis commands retry a lost connection "
        "(a Redis restart) before failing.",
    )
    # An empty SMQ_METRICS_PORT (a compose file passing the variable through) means unset.
    metrics_port: Annotated[int | None, BeforeValidator(lambda v: v or None)] = Field(
        None,
        ge=1,
        le=65535,
        description="Port of the Prometheus `/metrics` endpoint served by each worker "
        "process, poller and `smq exporter`. Unset: workers and pollers serve none.",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="`auto`: JSON unless stderr is a terminal."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Minimum log level."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, parsed from the environment on first use."""
    return Settings()


def markdown_table(
    cls: type[BaseSettings] = Settings, *, skip: type[BaseSettings] | None = None
) -> str:
    """A README configuration table, generated so it cannot drift from the code; ``skip``
    leaves out the fields a base class's table already lists."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    prefix = cls.model_config.get("env_prefix", "")
    for name, field in cls.model_fields.items():
        if skip is not None and name in skip.model_fields:
            continue
        default = field.default
        if isinstance(default, list | tuple):
            default = ",".join(map(str, default))
        shown = f"`{default}`" if default not in ("", None) else "—"
        rows.append(f"| `{prefix}{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
