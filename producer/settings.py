"""The one settings object: every knob of producer, worker and CLI, read from ``SMQ_*``.

Parsed once at process start (``get_settings()``) and passed down. AWS endpoints are not
here on purpose: boto3 already reads ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` and
``AWS_ENDPOINT_URL``, and a job may override them with ``configuration.endpoint``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SMQ_"


class Settings(BaseSettings):
    """Service settings; each field is the environment variable ``SMQ_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    redis_url: str = Field(
        "redis://localhost:6379/0", description="Redis for the queue, job state and results."
    )
    queue: str = Field("smq", description="Celery queue (a Redis list) jobs are sent to.")
    result_stream: str = Field(
        "smq:results", description="Default result stream when a job has no `replyTo`."
    )
    result_stream_maxlen: int = Field(
        1_000_000,
        ge=1000,
        description="Approximate cap on entries kept per result stream (XADD MAXLEN ~).",
    )
    job_ttl_seconds: int = Field(
        7 * 24 * 3600,
        ge=60,
        description="How long a job's record (state, result) is kept; ids are unique within it.",
    )
    secret_prefix: str = Field(
        "SECRET_",
        description="`{{secrets.NAME}}` is read on the worker from env var `<prefix>NAME`.",
    )
    worker_concurrency: int = Field(
        64, ge=1, le=1024, description="Threads per worker process (calls in flight)."
    )
    connect_timeout: float = Field(5.0, gt=0, description="botocore connect timeout, seconds.")
    read_timeout: float = Field(
        70.0,
        gt=0,
        description="botocore read timeout, seconds (SageMaker real-time calls end at 60 s).",
    )
    visibility_timeout: int = Field(
        300,
        ge=10,
        description="Seconds before an unacknowledged job is redelivered (worker died).",
    )
    redis_socket_timeout: float = Field(
        10.0, gt=0, description="Socket timeout for the service's own Redis commands, seconds."
    )
    task_events: bool = Field(
        True, description="Send Celery task events (Flower's live view needs them)."
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


def markdown_table() -> str:
    """The README's configuration table, generated so it cannot drift from the code."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = f"`{default}`" if default not in ("", None) else "—"
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
