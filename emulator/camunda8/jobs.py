"""The stand-in's jobs: Zeebe's job life cycle, as far as a job worker can see it.

ACTIVATABLE → ACTIVATED (until the deadline; past it, activatable again) → COMPLETED,
ERROR_THROWN (caught by a boundary event), or FAILED: with retries left it becomes
activatable after the backoff, with none it is an incident until an operator gives it
retries. CANCELED: the process instance was cancelled. Every change is kept in the job's
history, which the tests read through the control API.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

FIRST_KEY = 2251799813685249
# What the REST gateway answers for each refusal (status, title).
NOT_FOUND = (404, "NOT_FOUND")
INVALID_STATE = (409, "INVALID_STATE")
OPEN = ("ACTIVATABLE", "ACTIVATED", "FAILED")


def now_ms() -> int:
    return int(time.time() * 1000)


class Refused(Exception):
    def __init__(self, status_title: tuple[int, str], detail: str) -> None:
        super().__init__(detail)
        self.status, self.title = status_title
        self.detail = detail


@dataclass
class Job:
    key: int
    type: str
    variables: dict[str, Any]
    custom_headers: dict[str, str]
    retries: int
    process_instance_key: int
    element_instance_key: int
    process_definition_id: str = "smq_process"
    process_definition_key: int = 2251799813680001
    element_id: str = "Score"
    tenant_id: str = "<default>"
    state: str = "ACTIVATABLE"
    deadline: int = 0  # epoch ms, while ACTIVATED
    activatable_at: int = 0  # epoch ms, while FAILED with retries left (the backoff)
    worker: str = ""
    incident: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def event(self, name: str, **fields: Any) -> None:
        self.history.append({"event": name, "time": now_ms(), **fields})

    def available(self, at: int) -> bool:
        if self.state == "ACTIVATABLE":
            return True
        if self.state == "ACTIVATED":
            return self.deadline <= at  # timed out: the worker did not answer in time
        return self.state == "FAILED" and self.retries > 0 and self.activatable_at <= at

    def view(self) -> dict[str, Any]:
        activations = sum(e["event"] == "activated" for e in self.history)
        return {
            "jobKey": str(self.key),
            "type": self.type,
            "state": self.state,
            "retries": self.retries,
            "incident": self.incident,
            "activations": activations,
            "history": self.history,
        }


class JobStore:
    """All jobs, indexed by type for activation; waiters are woken when one may be ready."""

    def __init__(self) -> None:
        self.jobs: dict[int, Job] = {}
        self._by_type: dict[str, dict[int, Job]] = {}
        self._keys = itertools.count(FIRST_KEY)
        self._changed = asyncio.Condition()

    def create(self, spec: dict[str, Any]) -> Job:
        key = next(self._keys)
        job = Job(
            key=key,
            type=spec["type"],
            variables=dict(spec.get("variables") or {}),
            custom_headers={k: str(v) for k, v in (spec.get("customHeaders") or {}).items()},
            retries=int(spec.get("retries", 3)),
            process_instance_key=key + 1_000_000,
            element_instance_key=key + 2_000_000,
            process_definition_id=spec.get("processDefinitionId", "smq_process"),
            element_id=spec.get("elementId", "Score"),
            tenant_id=spec.get("tenantId", "<default>"),
        )
        job.event("created")
        self.jobs[key] = job
        self._by_type.setdefault(job.type, {})[key] = job
        return job

    async def notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def wake_at(self, epoch_ms: int) -> None:
        """Wake waiting activations when a deadline or a backoff runs out."""
        loop = asyncio.get_running_loop()
        delay = max(0.0, (epoch_ms - now_ms()) / 1000 + 0.001)
        loop.call_later(delay, lambda: loop.create_task(self.notify()))

    async def activate(self, request: dict[str, Any], wait_s: float) -> list[Job]:
        """Up to ``maxJobsToActivate`` jobs, waiting up to ``wait_s`` for the first."""
        deadline = time.monotonic() + wait_s
        async with self._changed:
            while True:
                jobs = self._take(request)
                left = deadline - time.monotonic()
                if jobs or left <= 0:
                    return jobs
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    return self._take(request)

    def _take(self, request: dict[str, Any]) -> list[Job]:
        at = now_ms()
        tenants = set(request.get("tenantIds") or ["<default>"])
        wanted = int(request["maxJobsToActivate"])
        taken: list[Job] = []
        for job in self._by_type.get(request["type"], {}).values():
            if len(taken) >= wanted:
                break
            if job.tenant_id in tenants and job.available(at):
                if job.state == "ACTIVATED":
                    job.event("timedOut", worker=job.worker)
                job.state, job.worker = "ACTIVATED", str(request.get("worker") or "")
                job.deadline = at + int(request["timeout"])
                job.event("activated", worker=job.worker, retries=job.retries)
                self.wake_at(job.deadline)
                taken.append(job)
        return taken

    def get(self, key: int, action: str) -> Job:
        job = self.jobs.get(key)
        if job is None or job.state not in OPEN:
            raise Refused(
                NOT_FOUND,
                f"Command '{action}' rejected with code 'NOT_FOUND': Expected to {action.lower()} "
                f"job with key '{key}', but no such job was found",
            )
        return job

    def _workable(self, key: int, action: str) -> Job:
        job = self.get(key, action)
        if job.state == "FAILED":
            raise Refused(
                INVALID_STATE,
                f"Command '{action}' rejected with code 'INVALID_STATE': Expected to "
                f"{action.lower()} job with key '{key}', but it is in state 'FAILED'",
            )
        return job

    def complete(self, key: int, body: dict[str, Any]) -> None:
        job = self._workable(key, "COMPLETE")
        job.state = "COMPLETED"
        job.event("completed", variables=body.get("variables"))
        self._close(job)

    def throw_error(self, key: int, body: dict[str, Any]) -> None:
        job = self._workable(key, "THROW_ERROR")
        job.state = "ERROR_THROWN"
        job.event(
            "errorThrown",
            errorCode=body["errorCode"],
            errorMessage=body.get("errorMessage"),
            variables=body.get("variables"),
        )
        self._close(job)

    def fail(self, key: int, body: dict[str, Any]) -> None:
        job = self._workable(key, "FAIL")
        job.retries = int(body.get("retries", 0))
        backoff = int(body.get("retryBackOff", 0))
        job.state = "FAILED"
        job.activatable_at = now_ms() + backoff
        job.incident = str(body.get("errorMessage") or "") if job.retries <= 0 else None
        job.event(
            "failed",
            retries=job.retries,
            errorMessage=body.get("errorMessage"),
            retryBackOff=backoff,
            variables=body.get("variables"),
        )
        if job.retries > 0:
            self.wake_at(job.activatable_at)

    def update(self, key: int, body: dict[str, Any]) -> None:
        job = self.get(key, "UPDATE")
        changes = body["changeset"]
        if changes.get("timeout") is not None:
            if job.state != "ACTIVATED":
                raise Refused(
                    INVALID_STATE,
                    f"Command 'UPDATE_TIMEOUT' rejected with code 'INVALID_STATE': Expected to "
                    f"update the timeout of job with key '{key}', but it is not active",
                )
            job.deadline = now_ms() + int(changes["timeout"])
            self.wake_at(job.deadline)
        if changes.get("retries") is not None:
            job.retries = int(changes["retries"])
        job.event("updated", changeset=changes)

    def cancel(self, key: int) -> Job:
        """The process instance was cancelled (or the task interrupted): the job is gone."""
        job = self.get(key, "CANCEL")
        job.state = "CANCELED"
        job.event("canceled")
        self._close(job)
        return job

    def set_retries(self, key: int, retries: int) -> Job:
        """An operator resolves an incident by giving the job retries."""
        job = self.get(key, "UPDATE_RETRIES")
        job.retries = retries
        if job.state == "FAILED" and retries > 0:
            job.incident, job.activatable_at = None, 0
        job.event("retriesUpdated", retries=retries)
        return job

    def _close(self, job: Job) -> None:
        self._by_type.get(job.type, {}).pop(job.key, None)
