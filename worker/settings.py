"""The worker side's settings: ``WorkerSettings`` adds what only workers and pollers use.

It extends the client ``Settings`` (same ``SMQ_`` prefix), so a worker process holds one
settings object with everything it reads, parsed once at start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from producer.settings import Settings


class WorkerSettings(Settings):
    """Settings of worker and poller processes; each field is ``SMQ_<FIELD>``."""

    result_stream_maxlen: int = Field(
        1_000_000,
        ge=1000,
        description="Approximate cap on entries kept per result stream (XADD MAXLEN ~).",
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
    # 500, not 2,000: a listed prefix answers for its pending inferences whether claimed or not,
    # so claiming more per pass only lengthens the pass (B4: p95 0.99-1.13 s against 1.06-1.88).
    async_batch: int = Field(500, ge=1, description="Due inferences a poller claims per pass.")
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
    poller_lean_get: bool = Field(
        True,
        description="The poller fetches outputs with the S3 client's own request, re-signed, "
        "without the client's pipeline (`worker/poller/s3get.py`); false: every GetObject "
        "through the client.",
    )
    poller_lean_list: bool = Field(
        True,
        description="The poller lists prefixes with the S3 client's own request, re-signed, and "
        "reads the page itself (`worker/poller/s3list.py`); false: every ListObjectsV2 through "
        "the client.",
    )
    poller_threads: int = Field(
        16,
        ge=1,
        le=256,
        description="Concurrent S3 fetches per poller; as many ranges of a long listing at once.",
    )
    task_events: bool = Field(
        True, description="Send Celery task events (Flower's live view needs them)."
    )
    task_events_flush_interval: float = Field(
        0.1,
        ge=0,
        le=5,
        description="Seconds between publishes of the task events a worker has gathered "
        "(`worker/events.py`), so that publishing them does not compete with the jobs they "
        "describe; 0: each as it is sent, as Celery does.",
    )
    lean_invoke: bool = Field(
        True,
        description="Invoke endpoints by the lean path (botocore's signer and HTTP session, "
        "not its generic pipeline; `worker/sagemaker/lean.py`); false: the botocore client.",
    )
    invoke_transport: Literal["event-loop", "botocore"] = Field(
        "event-loop",
        description="How the lean path sends the calls of a message of several jobs: "
        "`event-loop`, on one aiohttp event loop per process (`worker/sagemaker/transport.py`; "
        "proxies and client certificates go through botocore anyway); `botocore`, on botocore's "
        "urllib3 session, a thread per job. A message of one job sends its call from the "
        "task's thread on botocore's session either way.",
    )

    @model_validator(mode="after")
    def _visibility_covers_a_job(self) -> WorkerSettings:
        # A job still running when its visibility timeout ends is delivered a second time.
        longest = self.connect_timeout + self.read_timeout
        if self.visibility_timeout <= longest + 10:
            raise ValueError(
                f"SMQ_VISIBILITY_TIMEOUT ({self.visibility_timeout}s) must exceed "
                f"SMQ_CONNECT_TIMEOUT + SMQ_READ_TIMEOUT + 10 ({longest + 10:g}s)"
            )
        return self


@lru_cache(maxsize=1)
def get_worker_settings() -> WorkerSettings:
    """Settings of this worker or poller process, parsed from the environment on first use."""
    return WorkerSettings()
