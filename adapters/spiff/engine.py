"""The SpiffWorkflow adapter as a library: start instances, apply job results, retry.

Every change is load → change the workflow → engine steps → save (compare-and-set) →
submit the jobs the save recorded. Submitting after the save means a job is never queued
for a state that was not kept; a process that dies between the two leaves its instance
in the outbox, and ``smq spiff run`` submits those jobs again (idempotent by job id).

    engine = SpiffEngine(connect(settings), settings, handlers={"send-mail": send_mail})
    started = engine.start(parse_model("examples/bpmn/sagemaker-score.bpmn"), {"payload": …})
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from adapters.spiff import view
from adapters.spiff.errors import InstanceNotFoundError
from adapters.spiff.parser import ParsedModel
from adapters.spiff.settings import SpiffSettings
from adapters.spiff.steps import (
    Activation,
    Handler,
    StepContext,
    advance,
    apply_result,
    pending_jobs,
    retry,
)
from adapters.spiff.store import InstanceStore, Record
from adapters.spiff.workflows import dumps, loads, new_workflow
from producer.connection import RedisClient
from producer.contract import Result
from producer.errors import SmqError
from producer.submit import Producer

log = structlog.get_logger(__name__)

# Saves lost to another process before giving up; each loss means that process changed
# the instance in between, so this many in a row is a hot loop, not contention.
MAX_RACES = 50

Change = Callable[[Any, Record], bool]


class SpiffEngine:
    """Share one per process; ``handlers`` maps other task types to Python functions."""

    def __init__(
        self,
        redis: RedisClient,
        settings: SpiffSettings,
        *,
        handlers: Mapping[str, Handler] | None = None,
        producer: Producer | None = None,
    ) -> None:
        self.settings = settings
        self.store = InstanceStore(redis)
        self.redis = redis
        self._producer = producer or Producer(redis, settings)
        self._handlers = dict(handlers or {})

    def start(self, model: ParsedModel, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Start an instance and run it to its first wait; ``{"id", "status"}``."""
        instance_id = uuid.uuid4().hex
        workflow = new_workflow(model, data or {})
        record = Record(id=instance_id, process=model.process_id, state="")
        record.note("started")
        self._commit(record, workflow, advance(workflow, self._context(instance_id)))
        log.info("instance_started", instance_id=instance_id, status=record.status)
        return {"id": instance_id, "status": record.status}

    def apply(self, result: Result) -> bool:
        """Apply a job's result to the instance waiting for it; False when none waits (not
        ours, a duplicate, or the instance is gone)."""
        instance_id = result.correlation.get("spiffInstance")
        if not isinstance(instance_id, str):
            return False

        def change(workflow: Any, record: Record) -> bool:
            if not apply_result(workflow, result):
                return False
            record.note(f"job_{result.status}", jobId=result.id, **_error_code(result))
            return True

        try:
            applied = self._update(instance_id, change)
        except InstanceNotFoundError:
            applied = False
        log.info("result_applied" if applied else "result_ignored", job_id=result.id,
                 instance_id=instance_id, status=result.status)  # fmt: skip
        return applied

    def retry(self, instance_id: str) -> dict[str, Any]:
        """Activate again every task in an incident (after its cause was fixed)."""

        def change(workflow: Any, record: Record) -> bool:
            cleared = retry(workflow)
            record.note("retried", incidents=cleared)
            return cleared > 0

        self._update(instance_id, change)
        return self.show(instance_id)

    def cancel(self, instance_id: str) -> dict[str, Any]:
        """End an unfinished instance where it stands: its tasks are cancelled, a result
        that still arrives for it is ignored (the queue job itself runs to its end)."""

        def change(workflow: Any, record: Record) -> bool:
            if workflow.is_completed():
                return False
            workflow.cancel()
            record.note("cancelled")
            return True

        self._update(instance_id, change)
        return self.show(instance_id)

    def wake(self, instance_id: str) -> None:
        """Activate tasks whose jobError backoff is over."""
        self._update(instance_id, lambda workflow, record: True)

    def replay(self, instance_id: str) -> int:
        """Submit again the jobs an instance waits for (its saver may have died before
        submitting them); jobs already queued are not queued twice. Returns how many."""
        saved_at = self.store.outbox_score(instance_id)
        record = self.store.load(instance_id)
        jobs = pending_jobs(loads(record.state)) if record else []
        if jobs:
            self._producer.submit_many(jobs)
        if saved_at is not None:
            self.store.submitted(instance_id, saved_at)
        return len(jobs)

    def show(self, instance_id: str) -> dict[str, Any]:
        record = self._load(instance_id)
        return {
            "id": record.id,
            "process": record.process,
            **view.summary(loads(record.state)),
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "history": record.history,
        }

    def _context(self, instance_id: str) -> StepContext:
        return StepContext(instance_id, self.settings.spiff_result_stream, self._handlers)

    def _load(self, instance_id: str) -> Record:
        record = self.store.load(instance_id)
        if record is None:
            raise InstanceNotFoundError(f"no process instance {instance_id}")
        return record

    def _update(self, instance_id: str, change: Change) -> bool:
        """Load, change, step and save, again from the fresh state when another process
        saved in between; False when ``change`` found nothing to do."""
        for _ in range(MAX_RACES):
            record = self._load(instance_id)
            workflow = loads(record.state)
            if not change(workflow, record):
                return False
            if self._commit(record, workflow, advance(workflow, self._context(instance_id))):
                return True
        raise SmqError(f"instance {instance_id} changed {MAX_RACES} times while being saved")

    def _commit(self, record: Record, workflow: Any, activation: Activation) -> bool:
        record.state = dumps(workflow)
        record.status = view.status(workflow)
        for job in activation.jobs:
            record.note("job_submitted", jobId=job["id"], elementId=job["correlation"]["elementId"])
        finished = record.status in (view.COMPLETED, view.CANCELLED)
        keep = self.settings.spiff_keep_finished_seconds if finished else None
        saved_at = self.store.save(
            record, new_jobs=bool(activation.jobs), next_due=activation.next_due, expire=keep
        )
        if saved_at is None:
            return False
        if activation.jobs:
            self._producer.submit_many(activation.jobs)
            self.store.submitted(record.id, saved_at)
        return True


def _error_code(result: Result) -> dict[str, Any]:
    return {"code": result.error.code} if result.error else {}
