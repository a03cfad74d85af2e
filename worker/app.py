"""The Celery app (``celery -A worker.app worker``), configured so no job is lost.

- acks_late + reject_on_worker_lost: a message is acknowledged only after its result is
  posted; a worker killed mid-job leaves it to be redelivered after ``visibility_timeout``.
- prefetch multiplier 1: a worker holds no more jobs than it has threads.
- no result backend: the result stream is the channel, and Celery's results would double
  Redis writes per job.
- threads pool: a job is one blocking HTTPS call; threads keep dozens in flight per process
  for a few MB each, where prefork would need a process (~90 MB) per message in flight.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging

from worker import logs
from worker.settings import get_worker_settings

settings = get_worker_settings()

app = Celery("smq", broker=settings.redis_url, include=["worker.tasks"])
app.conf.update(
    # kombu's Redis transport, except that an unreadable item is dead-lettered, not fatal.
    broker_transport="worker.broker:Transport",
    task_default_queue=settings.queue,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
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


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    """Replace Celery's logging setup with ours (JSON, secrets masked)."""
    logs.configure(settings)
