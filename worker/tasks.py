"""The Celery task: a thin shell around ``JobRunner`` that never lets a job go unanswered."""

from __future__ import annotations

from functools import cache
from typing import Any

import structlog
from celery import Task
from celery.signals import worker_ready

from producer.connection import connect
from producer.errors import InputError
from producer.keys import TASK_NAME
from worker.app import app, settings
from worker.execute import JobRunner
from worker.retry import RetryMover

log = structlog.get_logger("worker.task")


@cache
def runner() -> JobRunner:
    """The process's runner: one Redis pool and one boto3 client cache for all threads."""
    return JobRunner(connect(settings), settings)


@worker_ready.connect
def _start_retry_mover(**_: Any) -> None:
    """Each worker moves due retries onto the queue (atomic, so many movers are safe)."""
    RetryMover(runner().redis, settings).start()


@app.task(name=TASK_NAME, bind=True)
def run_job(self: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Run the job whose id is the only argument.

    Takes ``*args, **kwargs`` so a malformed message from a foreign producer reaches our code
    (and gets a failed result under its message id) instead of a TypeError in Celery.
    """
    if len(args) == 1 and not kwargs and isinstance(args[0], str) and args[0]:
        runner().run(args[0])
        return
    job_id = str(self.request.id)
    log.warning("malformed_task_message", job_id=job_id, n_args=len(args), kwargs=sorted(kwargs))
    error = InputError(
        "the task message must carry exactly one argument, the job id",
        code="MalformedMessage",
    )
    runner().reject(job_id, error)
