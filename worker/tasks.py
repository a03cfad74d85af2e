"""The Celery task: a thin shell around ``JobRunner`` that never lets a job go unanswered."""

from __future__ import annotations

from functools import cache
from typing import Any

import structlog
from celery import Task
from celery.exceptions import Reject
from celery.signals import worker_ready
from redis.exceptions import RedisError

from producer.connection import connect
from producer.errors import InputError
from producer.keys import MAX_IDS_PER_MESSAGE, TASK_NAME
from worker.app import app, settings
from worker.retry import RetryMover
from worker.runner import JobRunner

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
    """Run the jobs whose ids are the arguments: one, or a bulk submission's group.

    Takes ``*args, **kwargs`` so a malformed message from a foreign producer reaches our code
    (and gets a failed result under its message id) instead of a TypeError in Celery.
    """
    if (
        args
        and not kwargs
        and len(args) <= MAX_IDS_PER_MESSAGE
        and all(isinstance(a, str) and a for a in args)
    ):
        try:
            if len(args) == 1:
                runner().run(args[0])
            else:
                runner().run_many(args)
        except RedisError as exc:
            # Redis stayed away past SMQ_REDIS_RETRY_SECONDS. Put the message back rather
            # than let Celery ack a failed task: the job states make the redelivery resume
            # each job where it stopped.
            log.warning("message_requeued", task_id=str(self.request.id), error=str(exc))
            raise Reject(str(exc), requeue=True) from exc
        return
    job_id = str(self.request.id)
    log.warning("malformed_task_message", job_id=job_id, n_args=len(args), kwargs=sorted(kwargs))
    error = InputError(
        f"the task message must carry 1 to {MAX_IDS_PER_MESSAGE} job ids and nothing else",
        code="MalformedMessage",
    )
    runner().reject(job_id, error)
