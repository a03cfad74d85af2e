"""``smq poller``: the poller as a process — signals, heartbeat, metrics, and the loop of
passes (``worker.poller.loop.Poller``) until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import structlog
from redis.exceptions import RedisError

from producer.connection import connect, stop_retrying
from producer.keys import Role
from worker import logs, metrics
from worker.heartbeat import Heartbeat, beat_client
from worker.poller.loop import Poller
from worker.settings import WorkerSettings, get_worker_settings

log = structlog.get_logger("worker.poller")


def main(settings: WorkerSettings | None = None) -> int:
    """``smq poller``: run until SIGTERM/SIGINT, finishing the pass in progress — within
    seconds even while Redis is down: the pass stops waiting out the outage (a pass cut short
    is safe: its claims are leased, and a result is posted once however often it is tried)."""
    settings = settings or get_worker_settings()
    logs.configure(settings)
    poller = Poller(connect(settings), settings)
    heartbeat = Heartbeat(beat_client(settings), Role.POLLER)
    stop = threading.Event()

    def on_signal(*_: Any) -> None:
        stop.set()
        stop_retrying()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    metrics.serve(settings.metrics_port, Role.POLLER)
    heartbeat.start()
    log.info("poller_started", interval=settings.async_poll_interval, batch=settings.async_batch)
    while not stop.is_set():
        started = time.monotonic()
        try:
            poller.run_once()
        except RedisError as exc:  # Redis away (or this process stopping): the next pass retries
            log.warning("poller_pass_failed", error=str(exc))
        except Exception:  # a pass that fails is retried on the next; never exit on one
            log.exception("poller_pass_failed")
        stop.wait(max(0.0, settings.async_poll_interval - (time.monotonic() - started)))
    heartbeat.stop()
    poller.close()
    log.info("poller_stopped", posted=poller.posted, s3_requests=poller.checker.requests)
    return 0
