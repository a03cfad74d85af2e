"""``smq exporter``: the queue-level Prometheus gauges, served by one process per deployment.

Each scrape reads Redis afresh (``producer/status.py``: one pipelined round trip), so the
gauges are Redis as it is, not a sample from some seconds ago. Per-process counters
(invocations, latency, retries, results) are the workers' and pollers' own (``worker/metrics.py``).

Result streams: the default one, plus every stream that has a consumer group — the ones an
engine adapter consumes — found by ``StreamDiscovery``. A stream nobody consumes has no lag
to report, and its length is capped by ``SMQ_RESULT_STREAM_MAXLEN``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from producer.connection import RedisClient, connect
from producer.keys import DEAD_LETTER_STREAM, RESULT_DEAD_LETTER_SUFFIX, Role
from producer.settings import Settings
from producer.status import ServiceStatus, read_status

log = structlog.get_logger(__name__)

# A scrape must answer within Prometheus's timeout (10 s by default) even when Redis does not.
SCRAPE_SOCKET_TIMEOUT = 3.0
SCRAPE_RETRY_SECONDS = 1.0


class StreamDiscovery:
    """Streams with a consumer group, found by ``SCAN … TYPE stream`` a slice at a time.

    The keyspace holds a hash per job (millions, over a week's TTL), so each scrape continues
    the scan for at most ``calls * count`` keys instead of walking all of them; a new
    stream shows up within one full cycle, a deleted one drops out after the next. At most
    ``limit`` streams are reported (label cardinality), dead-letter streams aside.
    """

    def __init__(self, *, calls: int = 20, count: int = 1000, limit: int = 100) -> None:
        self._calls = calls
        self._count = count
        self._limit = limit
        self._cursor = 0
        self._found: set[str] = set()  # in the cycle under way
        self._known: set[str] = set()  # found by the last complete cycle
        self._lock = threading.Lock()

    def step(self, redis: RedisClient) -> list[str]:
        """Scan one more slice; the streams known so far, by name."""
        with self._lock:
            for _ in range(self._calls):
                cursor, keys = redis.scan(self._cursor, count=self._count, _type="stream")
                self._found.update(str(k) for k in keys)
                self._cursor = int(cursor)
                if self._cursor == 0:
                    self._known, self._found = self._found, set()
                    break
            names = sorted(self._known | self._found)
        return self._consumed(redis, names)

    def _consumed(self, redis: RedisClient, names: list[str]) -> list[str]:
        candidates = [n for n in names if not _is_dead_letter(n)]
        if not candidates:
            return []
        with redis.pipeline(transaction=False) as pipe:
            for name in candidates:
                pipe.xinfo_groups(name)
            replies = pipe.execute(raise_on_error=False)
        grouped = [n for n, g in zip(candidates, replies, strict=True) if isinstance(g, list) and g]
        return grouped[: self._limit]


def _is_dead_letter(stream: str) -> bool:
    return stream == DEAD_LETTER_STREAM or stream.endswith(RESULT_DEAD_LETTER_SUFFIX)


class QueueCollector(Collector):
    """The gauges, computed per scrape."""

    def __init__(self, redis: RedisClient, settings: Settings) -> None:
        self._redis = redis
        self._settings = settings
        self._streams = StreamDiscovery()

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "smq_exporter_redis_up", "1 when this scrape could read Redis, else 0."
        )
        try:
            status = read_status(self._redis, self._settings, self._streams.step(self._redis))
        except RedisError as exc:
            log.warning("exporter_redis_unreachable", error=str(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from gauges(status)


def gauges(s: ServiceStatus) -> Iterator[Metric]:
    """The status as gauges; names and labels are the contract of ops/prometheus/alerts.yml."""
    yield _gauge(
        "smq_queue_messages",
        "Messages on the queue (every kombu priority list); a bulk message carries several jobs.",
        [([s.queue], s.messages)],
        ["queue"],
    )
    yield _gauge(
        "smq_queue_unacked_messages",
        "Messages taken by a worker and not acknowledged yet (kombu's unacked hash).",
        [([], s.unacked)],
    )
    yield _gauge(
        "smq_retries_waiting",
        "Jobs waiting in smq:retry for their next attempt.",
        [([], s.retries_waiting)],
    )
    yield _gauge(
        "smq_jobs_waiting", "Jobs queued and not begun by a worker.", [([], s.jobs_waiting)]
    )
    yield _gauge(
        "smq_oldest_waiting_job_age_seconds",
        "How long the oldest job not begun by a worker has waited (0: none waiting).",
        [([], s.oldest_waiting_seconds or 0.0)],
    )
    yield _gauge(
        "smq_async_pending",
        "Asynchronous inferences started and not finished.",
        [([], s.async_pending)],
    )
    yield _gauge(
        "smq_async_oldest_age_seconds",
        "Age of the oldest pending asynchronous inference, as the poller last saw it (0: none).",
        [([], s.async_oldest_seconds or 0.0)],
    )
    margin = s.async_deadline_margin_seconds
    yield _gauge(
        "smq_async_deadline_margin_seconds",
        "Seconds left before the nearest pending inference's deadline (absent: none pending).",
        [([], margin)] if margin is not None else [],
    )
    yield _gauge(
        "smq_result_stream_length",
        "Entries on a result stream.",
        [([st.name], st.length) for st in s.streams],
        ["stream"],
    )
    groups = [(st.name, g) for st in s.streams for g in st.groups]
    yield _gauge(
        "smq_result_consumer_lag",
        "Result entries not yet delivered to the consumer group.",
        [([name, g.name], g.lag) for name, g in groups if g.lag is not None],
        ["stream", "group"],
    )
    yield _gauge(
        "smq_result_consumer_pending",
        "Result entries delivered to the consumer group and not acknowledged.",
        [([name, g.name], g.pending) for name, g in groups],
        ["stream", "group"],
    )
    yield _gauge(
        "smq_dead_letters",
        "Entries on a dead-letter stream (smq:dead-letter: unreadable queue items; "
        "<stream>:dead: results no consumer could finish).",
        [([name], n) for name, n in s.dead_letters.items()],
        ["stream"],
    )
    for role, name in ((Role.WORKER, "smq_workers_alive"), (Role.POLLER, "smq_pollers_alive")):
        yield _gauge(
            name, f"{role.title()} processes with a recent heartbeat.", [([], len(s.alive(role)))]
        )


def _gauge(
    name: str, doc: str, samples: Iterable[tuple[list[str], Any]], labels: list[str] | None = None
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels or [])
    for values, value in samples:
        family.add_metric(values, float(value))
    return family


def scrape_client(settings: Settings) -> RedisClient:
    quick = settings.model_copy(
        update={"redis_socket_timeout": SCRAPE_SOCKET_TIMEOUT, "redis_max_connections": 4}
    )
    return connect(quick, SCRAPE_RETRY_SECONDS)


def serve(settings: Settings, port: int, stop: threading.Event) -> None:
    """Serve ``/metrics`` on ``port`` until ``stop`` is set."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(scrape_client(settings), settings))
    server, _ = start_http_server(port, registry=registry)
    log.info("exporter_started", port=port, queue=settings.queue)
    try:
        stop.wait()
    finally:
        server.shutdown()
        log.info("exporter_stopped")
