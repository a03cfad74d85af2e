"""The Celery app (``celery -A worker.app worker``), configured so no job is lost.

- acks_late + reject_on_worker_lost: a message is acknowledged only after its result is
  posted; a worker killed mid-job leaves it to be redelivered after ``visibility_timeout``.
- prefetch multiplier 1: a worker holds no more jobs than it has threads, so a message is
  received only when a thread is free to run it (``worker/received.py`` begins its jobs then).
- no result backend: the result stream is the channel, and Celery's results would double
  Redis writes per job.
- threads pool: a job is one blocking HTTPS call; threads keep dozens in flight per process
  for a few MB each, where prefork would need a process (~90 MB) per message in flight.
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import cached_property
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from kombu import connection as kombu_connection
from prometheus_client import values as prometheus_values

from producer.connection import share_stopping_with_forks
from worker import logs
from worker.settings import WorkerSettings, get_worker_settings

TRANSPORT = "worker.broker:Transport"


def _prometheus_multiprocess_dir(settings: WorkerSettings) -> str | None:
    """With the prefork pool, each child counts in files of its own and the main process
    serves their sum. prometheus_client chooses how values are kept from
    PROMETHEUS_MULTIPROC_DIR when it is imported, and the celery command has imported it
    already (Flower's command plugin does): set the variable, to a fresh directory (files
    left by an earlier run would be counted again), and let it choose again before
    worker.metrics creates any metric. Forked children inherit both."""
    if settings.worker_pool != "prefork" or settings.metrics_port is None:
        return None
    if "worker.metrics" in sys.modules:
        raise RuntimeError("worker.metrics was imported before worker.app: import the app first")
    path = tempfile.mkdtemp(prefix="smq-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    prometheus_values.ValueClass = prometheus_values.get_value_class()  # type: ignore[no-untyped-call]
    return path


settings = get_worker_settings()
METRICS_DIR = _prometheus_multiprocess_dir(settings)
if settings.worker_pool == "prefork":
    share_stopping_with_forks()  # SIGTERM's "stop retrying Redis" reaches the children too
# Our transport is kombu's Redis transport, and says so wherever kombu shows a connection
# (Connection.as_uri, info): kombu resolves transport aliases for display as it shows pyamqp
# as "amqp". Flower picks its broker client by that URL's scheme; "worker.broker:Transport://"
# made its Broker page and /api/queues/length answer 404. (Only display and pickling use the
# resolved name; every connection the worker makes still uses our transport.)
kombu_connection.resolve_aliases[TRANSPORT] = "redis"  # type: ignore[attr-defined]


class _Celery(Celery):
    """Celery, whose ``celery worker`` runs worker/program.py's Worker (JSON all the way)."""

    @cached_property
    def Worker(self) -> Any:
        # A symbol name, as Celery's own property passes (the stubs only admit a class).
        return self.subclass_with_self("worker.program:Worker")  # type: ignore[arg-type]


app = _Celery("smq", broker=settings.redis_url, include=["worker.tasks"])
app.conf.update(
    # kombu's Redis transport, except that an unreadable item is dead-lettered, not fatal.
    broker_transport=TRANSPORT,
    task_default_queue=settings.queue,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # A task that raises is acknowledged (Celery's default, stated because we rely on it): a
    # failed job's message must never come back; worker/outcome.py raises to set Flower's state.
    task_acks_on_failure_or_timeout=True,
    task_ignore_result=True,
    result_backend=None,
    task_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,
    worker_pool=settings.worker_pool,
    worker_concurrency=settings.worker_concurrency,
    worker_send_task_events=settings.task_events,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        "visibility_timeout": settings.visibility_timeout,
        # kombu sweeps for expired unacked messages every interval x throttle seconds,
        # 10 x 10 by default: a killed worker's jobs would wait ~100 s past their visibility
        # timeout. Sweep every tenth of it instead.
        "unacked_restore_interval": max(1, settings.visibility_timeout // 10),
        "unacked_restore_throttle": 1,
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_socket_timeout,
        "health_check_interval": 30,
    },
)


app.steps["consumer"].add("worker.events:TaskEventsOnTimer")


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    """Replace Celery's logging setup with ours (JSON, secrets masked)."""
    logs.configure(settings)
