"""Prometheus metrics of one worker process or poller, served on ``SMQ_METRICS_PORT``.

Each is recorded in one place: an attempt's invocation and a scheduled retry where the runner
carries out the decision (``worker/runner.py``), jobs in flight around ``JobRunner.execute``,
results where they are written (``worker/publish.py``, the one path every result takes, the
poller's included). Queue-level gauges are ``smq exporter``'s (``producer/exporter.py``).

Cheap on the hot path: a label set's child is looked up once and cached, so a job costs a few
dict lookups and lock-protected additions: 4.4 µs per job measured with timeit (a job costs
~4,300 µs of CPU in all, README Performance).

Pools: the threads pool (default) and the poller are one process, one registry. Prefork
children each write their values to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by
``worker/app.py`` before this module is imported) and the main process serves their sum.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import structlog
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
    start_http_server,
)

from producer.keys import Role

log = structlog.get_logger("worker.metrics")

# The *_created series double every counter's output for a timestamp no alert uses.
disable_created_metrics()  # type: ignore[no-untyped-call]

INVOCATIONS = Counter(
    "smq_invocations_total",
    "Job attempts by endpoint, invocation type and outcome: `completed`, or the error code "
    "(an attempt that failed before the call, e.g. SecretNotFound, counts with its code). "
    "ASYNC: `completed` means SageMaker accepted the request.",
    ["endpoint", "invocation_type", "outcome"],
)
DURATION = Histogram(
    "smq_invocation_duration_seconds",
    "Time of the SageMaker call (ASYNC: staging the body and starting the inference).",
    ["endpoint", "invocation_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
RETRIES = Counter(
    "smq_retries_scheduled_total",
    "Retries scheduled in smq:retry, by endpoint and the error code that caused them.",
    ["endpoint", "error_code"],
)
POSTED = Counter(
    "smq_results_posted_total",
    "Results written to a result stream (status completed|failed|bpmnError; source "
    "worker|poller); a duplicate that posted nothing is not counted.",
    ["status", "source"],
)
IN_FLIGHT = Gauge(
    "smq_jobs_in_flight",
    "Jobs this process is running now (begun, not yet posted, retried or handed over).",
    multiprocess_mode="livesum",
)

_source = Role.WORKER.value
_invocations: dict[tuple[str, str, str], Counter] = {}
_durations: dict[tuple[str, str], Histogram] = {}
_posted: dict[tuple[str, str], Counter] = {}


def attempt_finished(
    endpoint: str, invocation_type: str, outcome: str, seconds: float | None
) -> None:
    """One attempt of a job; ``seconds``: how long its SageMaker call took (None: no call)."""
    key = (endpoint, invocation_type, outcome)
    counter = _invocations.get(key)
    if counter is None:
        counter = _invocations.setdefault(key, INVOCATIONS.labels(*key))
    counter.inc()
    if seconds is not None:
        histogram = _durations.get(key[:2])
        if histogram is None:
            histogram = _durations.setdefault(key[:2], DURATION.labels(*key[:2]))
        histogram.observe(seconds)


def retry_scheduled(endpoint: str, error_code: str) -> None:
    RETRIES.labels(endpoint, error_code).inc()  # rare: not worth a cache


def results_posted(statuses: Iterable[str]) -> None:
    for status in statuses:
        counter = _posted.get((status, _source))
        if counter is None:
            counter = _posted.setdefault((status, _source), POSTED.labels(status, _source))
        counter.inc()


def serve(port: int | None, role: Role, *, multiprocess_dir: str | None = None) -> None:
    """Start serving ``/metrics`` (nothing when ``port`` is None). A port already taken is
    logged, not fatal: a worker without its metrics still runs jobs."""
    global _source
    _source = role.value
    if port is None:
        return
    registry = REGISTRY
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    try:
        start_http_server(port, registry=registry)
    except OSError as exc:
        log.error("metrics_port_unavailable", port=port, error=str(exc))
        return
    log.info("metrics_serving", port=port, role=role.value, multiprocess=bool(multiprocess_dir))


def process_exited(multiprocess_dir: str) -> None:
    """Prefork: drop this finishing child's live gauge (its in-flight count) from the sum."""
    multiprocess.mark_process_dead(os.getpid(), multiprocess_dir)  # type: ignore[no-untyped-call]
