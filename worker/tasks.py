"""The Celery task: a message's jobs fanned out to threads, and no job left unanswered."""

from __future__ import annotations

from functools import cache
from typing import Any

import structlog
from celery import Task
from celery.concurrency import get_implementation
from celery.exceptions import Reject
from celery.signals import (
    task_revoked,
    worker_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
    worker_shutting_down,
)
from celery.worker.request import Request
from redis.exceptions import RedisError

from producer.connection import connect, stop_retrying
from producer.errors import InputError, SmqError
from producer.keys import MAX_IDS_PER_MESSAGE, TASK_NAME, Role
from worker import metrics, outcome, publish
from worker.app import METRICS_DIR, app, settings
from worker.heartbeat import Heartbeat, beat_client
from worker.message import MessageJobs
from worker.received import RECEIVED, enable, message_job_ids
from worker.retry import RetryMover
from worker.runner import JobRunner
from worker.store import JobStore

log = structlog.get_logger("worker.task")


@cache
def jobs() -> MessageJobs:
    """The process's runner: one Redis pool and one boto3 client cache for all threads."""
    store = JobStore(connect(settings), settings.job_ttl_seconds)
    return MessageJobs(JobRunner(store, settings), settings.worker_concurrency)


class JobRequest(Request):
    """Celery's request, with the task's name on every event it sends.

    Celery names the task only in task-received; later events (started, succeeded, failed,
    retried) carry just its id. Flower builds a task from the events it hears, so a task
    whose task-received it missed — sent before Flower subscribed, e.g. a bulk message that
    was still running when Flower started — showed ``name: null`` forever.
    """

    def send_event(self, type: str, **fields: Any) -> None:
        fields.setdefault("name", self.name)
        super().send_event(type, **fields)


@cache
def heartbeat() -> Heartbeat:
    return Heartbeat(beat_client(settings), Role.WORKER)


@worker_init.connect
def _begin_at_receipt(sender: Any = None, **_: Any) -> None:
    """Jobs are begun as their message is received when tasks run in this process."""
    enable(get_implementation(sender.pool_cls) if sender is not None else None)


@worker_ready.connect
def _start_process_threads(**_: Any) -> None:
    """Each worker moves due retries onto the queue (atomic, so many movers are safe), beats,
    and serves its metrics (prefork: the main process serves what its children count)."""
    RetryMover(jobs().runner.store.redis, settings).start()
    heartbeat().start()
    metrics.serve(settings.metrics_port, Role.WORKER, multiprocess_dir=METRICS_DIR)


@worker_shutting_down.connect
def _stop_retrying_redis(**_: Any) -> None:
    """SIGTERM: calls in flight still finish, but a Redis outage is no longer waited out (a
    job's post that cannot reach Redis fails and its message comes back to another worker
    after the visibility timeout), so the worker stops in seconds even with Redis down."""
    stop_retrying()


@worker_shutdown.connect
def _stop_heartbeat(**_: Any) -> None:
    heartbeat().stop()


@task_revoked.connect
def _answer_revoked(sender: Any = None, request: Any = None, **_: Any) -> None:
    """A job message Celery drops without running it — revoked from Flower or ``celery control
    revoke`` — is answered: each job fails with code Revoked (not retried), so the engine sees
    an incident instead of a job that never ends."""
    if getattr(sender, "name", None) != TASK_NAME or request is None:
        return
    ids = message_job_ids(tuple(request.args or ()), request.kwargs or {})
    if ids is None:
        return
    RECEIVED.take(str(request.id), ids)  # begun at receipt, never to run
    log.warning("message_revoked", task_id=str(request.id), job_ids=ids)
    error = SmqError("the job's task message was revoked before it ran", code="Revoked")
    publish.answer_unrun(jobs().runner.store.redis, settings, ids, error)


@worker_process_shutdown.connect
def _child_exited(**_: Any) -> None:
    if METRICS_DIR:
        metrics.process_exited(METRICS_DIR)


@app.task(
    name=TASK_NAME, bind=True, Request="worker.tasks:JobRequest", throws=(outcome.JobsFailed,)
)
def run_job(self: Task[Any, Any], *args: Any, **kwargs: Any) -> dict[str, str]:
    """Run the jobs whose ids are the arguments: one, or a bulk submission's group. The task's
    state is their outcome (``worker/outcome.py``): SUCCESS, RETRY or FAILURE.

    Takes ``*args, **kwargs`` so a malformed message from a foreign producer reaches our code
    (and gets a failed result under its message id) instead of a TypeError in Celery.
    """
    ids = message_job_ids(args, kwargs)
    if ids is not None:
        try:
            outcomes = jobs().run(ids, str(self.request.id))
        except RedisError as exc:
            # Redis stayed away past SMQ_REDIS_RETRY_SECONDS. Put the message back rather
            # than let Celery ack a failed task: the job states make the redelivery resume
            # each job where it stopped.
            log.warning(
                "message_requeued", task_id=str(self.request.id), job_ids=ids, error=str(exc)
            )
            raise Reject(str(exc), requeue=True) from exc
        return outcome.report(outcomes)
    job_id = str(self.request.id)
    log.warning("malformed_task_message", job_id=job_id, n_args=len(args), kwargs=sorted(kwargs))
    error = InputError(
        f"the task message must carry 1 to {MAX_IDS_PER_MESSAGE} job ids and nothing else",
        code="MalformedMessage",
    )
    jobs().runner.reject(job_id, error)
    raise outcome.JobsFailed(f"{job_id}: failed {error.code}: {error.message}")
