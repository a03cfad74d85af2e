"""The stand-in's external tasks: Camunda 7's life cycle as a worker sees it.

A task is fetchable while its instance runs, its retries are null (never failed) or above 0,
and it is not locked (no lock, or the lock expired). fetchAndLock locks it for a worker; that
worker (the worker id, not the lock's expiry, is what the engine checks) completes it, throws
a BPMN error (taken as caught by a boundary event), or reports a failure: the retries it
sends, the lock moved to now + retryTimeout (the backoff), and with 0 retries an incident
carrying the errorMessage (cut at 666 characters, as the engine cuts it). extendLock needs a
lock that has not expired. Deleting the instance removes the task: every call then gets 404.
History, per task, is what the tests read through the control API.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# ExternalTaskEntity.MAX_EXCEPTION_MESSAGE_LENGTH, counted in UTF-16 code units (Java's).
MAX_ERROR_MESSAGE = 666


def now_ms() -> int:
    return int(time.time() * 1000)


def java_date(epoch_ms: int | None) -> str | None:
    """The engine's default REST date format, ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``."""
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}+0000"


def cut_utf16(text: str, units: int) -> str:
    encoded = text.encode("utf-16-le")
    return text if len(encoded) <= units * 2 else encoded[: units * 2].decode("utf-16-le", "ignore")


class Refused(Exception):
    """An answer ``{type, message}`` with this status, as the engine's REST layer gives it."""

    def __init__(self, status: int, message: str, kind: str = "RestException") -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


@dataclass
class Task:
    id: str
    topic_name: str
    variables: dict[str, dict[str, Any]]  # name → {type, value, valueInfo} as handed out
    extension_properties: dict[str, str]
    process_instance_id: str
    activity_id: str = "Score"
    process_definition_key: str = "smq_process"
    business_key: str | None = None
    tenant_id: str | None = None
    priority: int = 0
    retries: int | None = None  # null until a failure is reported
    worker_id: str | None = None
    lock_expiration: int | None = None  # epoch ms
    error_message: str | None = None
    error_details: str | None = None
    state: str = "OPEN"  # OPEN | COMPLETED | BPMN_ERROR | DELETED
    incident: str | None = None
    created: int = field(default_factory=now_ms)
    history: list[dict[str, Any]] = field(default_factory=list)

    def event(self, name: str, **fields: Any) -> None:
        self.history.append({"event": name, "time": now_ms(), **fields})

    def fetchable(self, at: int) -> bool:
        if self.state != "OPEN" or (self.retries is not None and self.retries <= 0):
            return False
        return self.lock_expiration is None or self.lock_expiration <= at

    def lock_held_last(self) -> bool:
        """Whether the task's last change left it locked (so a fetch now means it expired)."""
        for entry in reversed(self.history):
            if entry["event"] in ("locked", "lockExtended"):
                return True
            if entry["event"] in ("failed", "unlocked", "retriesSet", "created"):
                return False
        return False

    def locked_dto(self, names: list[str] | None, extension: bool) -> dict[str, Any]:
        """LockedExternalTaskDto, with the requested variables (all when ``names`` is None)."""
        wanted = (
            self.variables
            if names is None
            else {n: self.variables[n] for n in names if n in self.variables}
        )
        return {
            "activityId": self.activity_id,
            "activityInstanceId": f"{self.activity_id}:{self.process_instance_id}",
            "errorMessage": self.error_message,
            "errorDetails": self.error_details,
            "executionId": self.process_instance_id,
            "id": self.id,
            "lockExpirationTime": java_date(self.lock_expiration),
            "createTime": java_date(self.created),
            "processDefinitionId": f"{self.process_definition_key}:1:{self.process_instance_id}",
            "processDefinitionKey": self.process_definition_key,
            "processDefinitionVersionTag": None,
            "processInstanceId": self.process_instance_id,
            "tenantId": self.tenant_id,
            "retries": self.retries,
            "suspended": False,
            "workerId": self.worker_id,
            "priority": self.priority,
            "topicName": self.topic_name,
            "businessKey": self.business_key,
            "variables": wanted,
            "extensionProperties": dict(self.extension_properties) if extension else {},
        }

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topicName": self.topic_name,
            "state": self.state,
            "retries": self.retries,
            "workerId": self.worker_id,
            "incident": self.incident,
            "errorMessage": self.error_message,
            "errorDetails": self.error_details,
            "fetches": sum(e["event"] == "locked" for e in self.history),
            "history": self.history,
        }


class TaskStore:
    """All tasks; long-polling fetches wait on a condition woken when one may be ready."""

    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self._open: dict[str, dict[str, Task]] = {}  # topic → open tasks, in creation order
        self._changed = asyncio.Condition()

    def create(self, spec: dict[str, Any]) -> Task:
        task = Task(
            id=str(uuid.uuid4()),
            topic_name=spec["topicName"],
            variables=dict(spec.get("variables") or {}),
            extension_properties={
                k: str(v) for k, v in (spec.get("extensionProperties") or {}).items()
            },
            process_instance_id=str(uuid.uuid4()),
            activity_id=spec.get("activityId", "Score"),
            process_definition_key=spec.get("processDefinitionKey", "smq_process"),
            business_key=spec.get("businessKey"),
            tenant_id=spec.get("tenantId"),
            priority=int(spec.get("priority", 0)),
            retries=spec.get("retries"),
        )
        task.event("created")
        self.tasks[task.id] = task
        self._open.setdefault(task.topic_name, {})[task.id] = task
        return task

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def wake_at(self, epoch_ms: int) -> None:
        """Wake waiting fetches when a lock or a retry timeout runs out."""
        loop = asyncio.get_running_loop()
        delay = max(0.0, (epoch_ms - now_ms()) / 1000 + 0.001)
        loop.call_later(delay, lambda: loop.create_task(self.notify()))

    async def fetch_and_lock(self, request: dict[str, Any], wait_s: float) -> list[dict[str, Any]]:
        """Up to ``maxTasks`` locked tasks, waiting up to ``wait_s`` for the first."""
        deadline = time.monotonic() + wait_s
        async with self._changed:
            while True:
                locked = self._lock(request)
                left = deadline - time.monotonic()
                if locked or left <= 0:
                    return locked
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    return self._lock(request)

    def _lock(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        at, worker = now_ms(), str(request["workerId"])
        topics = {t["topicName"]: t for t in request.get("topics") or []}
        wanted = int(request.get("maxTasks") or 0)
        locked: list[dict[str, Any]] = []
        candidates = (t for name in topics for t in self._open.get(name, {}).values())
        for task in candidates:
            if len(locked) >= wanted:
                break
            topic = topics[task.topic_name]
            tenants = topic.get("tenantIdIn")
            if not task.fetchable(at) or (tenants and task.tenant_id not in tenants):
                continue
            if task.lock_held_last():
                task.event("lockExpired", workerId=task.worker_id)
            task.worker_id, task.lock_expiration = worker, at + int(topic["lockDuration"])
            task.event("locked", workerId=worker, retries=task.retries)
            self.wake_at(task.lock_expiration)
            names = topic.get("variables")
            locked.append(task.locked_dto(names, bool(topic.get("includeExtensionProperties"))))
        return locked

    def _held(self, task_id: str, worker: str, wrong_worker: str) -> Task:
        """The open task, if ``worker`` holds its lock (HandleExternalTaskCmd's checks)."""
        task = self.tasks.get(task_id)
        if task is None or task.state != "OPEN":
            raise Refused(404, f"External task with id {task_id} does not exist")
        if worker != task.worker_id:
            raise Refused(400, f"{wrong_worker}'. It is locked by worker '{task.worker_id}'.")
        return task

    def complete(self, task_id: str, body: dict[str, Any], variables: dict[str, Any]) -> None:
        worker = body["workerId"]
        wrong = f"External Task {task_id} cannot be completed by worker '{worker}"
        task = self._held(task_id, worker, wrong)
        task.state = "COMPLETED"
        task.event("completed", workerId=worker, variables=variables)
        self._close(task)

    def bpmn_error(self, task_id: str, body: dict[str, Any], variables: dict[str, Any]) -> None:
        worker = body["workerId"]
        wrong = f"Bpmn error of External Task {task_id} cannot be reported by worker '{worker}"
        task = self._held(task_id, worker, wrong)
        task.state = "BPMN_ERROR"
        task.event(
            "bpmnError",
            workerId=worker,
            errorCode=body["errorCode"],
            errorMessage=body.get("errorMessage"),
            variables=variables,
        )
        self._close(task)

    def failure(self, task_id: str, body: dict[str, Any], variables: dict[str, Any]) -> None:
        worker = body["workerId"]
        wrong = f"Failure of External Task {task_id} cannot be reported by worker '{worker}"
        task = self._held(task_id, worker, wrong)
        # int retries / long retryTimeout in the DTO: absent means 0.
        retries, timeout = int(body.get("retries") or 0), int(body.get("retryTimeout") or 0)
        message = body.get("errorMessage")
        task.error_message = None if message is None else cut_utf16(message, MAX_ERROR_MESSAGE)
        if body.get("errorDetails") is not None:
            task.error_details = body["errorDetails"]
        task.lock_expiration = now_ms() + timeout
        had_retries = task.retries is None or task.retries > 0
        if had_retries and retries <= 0:
            task.incident = task.error_message or ""
        elif not had_retries and retries > 0:
            task.incident = None
        task.retries = retries
        task.event(
            "failed",
            workerId=worker,
            retries=retries,
            retryTimeout=timeout,
            errorMessage=task.error_message,
            errorDetails=body.get("errorDetails"),
            variables=variables,
        )
        if retries > 0:
            self.wake_at(task.lock_expiration)

    def extend_lock(self, task_id: str, body: dict[str, Any]) -> None:
        worker, duration = body["workerId"], int(body.get("newDuration") or 0)
        if duration <= 0:
            raise Refused(400, "lockTime is not greater than 0")
        wrong = f"The lock of the External Task {task_id} cannot be extended by worker '{worker}'"
        task = self._held(task_id, worker, wrong)
        at = now_ms()
        assert task.lock_expiration is not None  # a worker holds it, so it was locked
        if task.lock_expiration < at:
            raise Refused(
                400,
                "Cannot extend a lock that expired: lockExpirationTime is not greater than or "
                f"equal to {at}",
            )
        task.lock_expiration = at + duration
        task.event("lockExtended", workerId=worker, newDuration=duration)
        self.wake_at(task.lock_expiration)

    def unlock(self, task_id: str) -> None:
        task = self.tasks.get(task_id)
        if task is None or task.state != "OPEN":
            raise Refused(404, f"External task with id {task_id} does not exist")
        task.worker_id, task.lock_expiration = None, None
        task.event("unlocked")

    def delete(self, task_id: str) -> Task:
        """The process instance was deleted (or a boundary event interrupted the task)."""
        task = self.tasks.get(task_id)
        if task is None or task.state != "OPEN":
            raise Refused(404, f"External task with id {task_id} does not exist")
        task.state = "DELETED"
        task.event("deleted")
        self._close(task)
        return task

    def _close(self, task: Task) -> None:
        self._open.get(task.topic_name, {}).pop(task.id, None)

    def set_retries(self, task_id: str, retries: int) -> Task:
        """An operator resolves an incident in Cockpit by giving the task retries."""
        task = self.tasks.get(task_id)
        if task is None or task.state != "OPEN":
            raise Refused(404, f"External task with id {task_id} does not exist")
        if retries > 0:
            task.incident = None
        task.retries = retries
        task.event("retriesSet", retries=retries)
        return task
