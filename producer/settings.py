"""The one settings object: every knob of producer, worker and CLI, read from ``SMQ_*``.

Parsed once at process start (``get_settings()``) and passed down. AWS endpoints are not
here on purpose: boto3 already reads ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` and
``AWS_ENDPOINT_URL``, and a job may override them with ``configuration.endpoint``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from producer.keys import MAX_IDS_PER_MESSAGE

ENV_PREFIX = "SMQ_"
# Redis holds a value of at most 512 MB; a job far below that still costs its size in memory
# on Redis and on the worker that loads it.
DEFAULT_MAX_JOB_BYTES = 32 * 1024 * 1024


class Settings(BaseSettings):
    """Service settings; each field is the environment variable ``SMQ_<FIELD>``."""

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
        64,
        ge=1,
        le=1024,
        description="Queue messages a worker process runs at once (a thread each; a child "
        "process each with prefork).",
    )
    worker_pool: Literal["threads", "prefork", "solo"] = Field(
        "threads",
        description="Celery pool of a worker process. Set it here: Celery reads `-P prefork` "
        "on the command line as 'no choice made' and keeps the configured pool.",
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
    connect_timeout: float = Field(5.0, gt=0, description="botocore connect timeout, seconds.")
    read_timeout: float = Field(
        70.0,
        gt=0,
        description="botocore read timeout, seconds (SageMaker real-time calls end at 60 s).",
    )
    visibility_timeout: int = Field(
        120,
        ge=10,
        description="Seconds before an unacknowledged job is redelivered (its worker died); "
        "must exceed connect + read timeout, the longest a job can run.",
    )
    redis_socket_timeout: float = Field(
        10.0, gt=0, description="Socket timeout for the service's own Redis commands, seconds."
    )
    retry_backoff_initial: float = Field(
        1.0, gt=0, description="First retry delay when a job has no `retryBackoff` header."
    )
    retry_backoff_max: float = Field(
        60.0, gt=0, description="Cap of the doubling retry delay (jittered ±20%)."
    )
    retry_scan_interval: float = Field(
        0.25, gt=0, le=10, description="How often each worker moves due retries onto the queue."
    )
    staging_s3_uri: Annotated[str | None, BeforeValidator(lambda v: v or None)] = Field(
        None,
        pattern=r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$",
        description="`s3://bucket/prefix` where inline ASYNC bodies are uploaded.",
    )
    async_poll_interval: float = Field(
        0.25, gt=0, le=60, description="Seconds between the poller's passes over due inferences."
    )
    async_backoff_initial: float = Field(
        1.0, gt=0, description="First check of an async inference after this many seconds."
    )
    async_backoff_max: float = Field(
        15.0, gt=0, description="Cap of the per-inference check interval (doubles, jittered)."
    )
    async_claim_seconds: float = Field(
        60.0,
        gt=1,
        description="A poller's claim on due entries; a dead poller's come back after it.",
    )
    async_batch: int = Field(2000, ge=1, description="Due inferences a poller claims per pass.")
    async_max_output_bytes: int = Field(
        6 * 1024 * 1024,
        ge=0,
        description="Larger async outputs are returned by location only, without the body.",
    )
    async_deadline_margin: float = Field(
        300.0, ge=0, description="Seconds past TTL + invocation timeout before giving up."
    )
    async_forbidden_as_missing: bool = Field(
        False,
        description="Treat S3 403 on a missing output as 'not there yet' (no s3:ListBucket).",
    )
    async_list_max_keys: int = Field(
        200_000,
        ge=0,
        description="A prefix listing longer than this falls back to one HEAD per inference "
        "(below it, the poller lists or HEADs, whichever takes fewer requests).",
    )
    poller_threads: int = Field(16, ge=1, le=256, description="Concurrent S3 requests per poller.")
    task_events: bool = Field(
        True, description="Send Celery task events (Flower's live view needs them)."
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
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="`auto`: JSON unless stderr is a terminal."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Minimum log level."
    )

    @model_validator(mode="after")
    def _visibility_covers_a_job(self) -> Settings:
        # A job still running when its visibility timeout ends is delivered a second time.
        longest = self.connect_timeout + self.read_timeout
        if self.visibility_timeout <= longest + 10:
            raise ValueError(
                f"SMQ_VISIBILITY_TIMEOUT ({self.visibility_timeout}s) must exceed "
                f"SMQ_CONNECT_TIMEOUT + SMQ_READ_TIMEOUT + 10 ({longest + 10:g}s)"
            )
        return self


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
