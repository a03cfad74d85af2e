"""The Camunda 7 engine as the adapter's loops see it: fetch, report, extend, hand back."""

from __future__ import annotations

from adapters.camunda7 import mapping
from adapters.camunda7.client import Camunda7Client
from adapters.camunda7.settings import Camunda7Settings
from adapters.engine import ActivatedJob
from adapters.outcome import Outcome


class Camunda7Engine:
    def __init__(self, client: Camunda7Client, settings: Camunda7Settings) -> None:
        self._client = client
        self._settings = settings
        self._worker = settings.worker_id
        self._lock_ms = int(settings.lock_duration * 1000)

    def fetch(self, max_tasks: int) -> list[ActivatedJob]:
        """One fetchAndLock over every topic, long polling up to the poll timeout."""
        s = self._settings
        body = mapping.fetch_body(
            s.topics,
            worker_id=self._worker,
            max_tasks=max_tasks,
            lock_ms=self._lock_ms,
            poll_ms=int(s.poll_timeout * 1000),
            tenant_ids=s.tenant_ids,
        )
        tasks = self._client.fetch_and_lock(body, s.poll_timeout)
        return [mapping.activated_job(task, s.default_retries) for task in tasks]

    def report(self, job_key: str, outcome: Outcome) -> None:
        call, body = mapping.request_for(outcome, self._worker)
        if call == "complete":
            self._client.complete(job_key, body)
        elif call == "bpmnError":
            self._client.bpmn_error(job_key, body)
        else:
            self._client.failure(job_key, body)

    def extend(self, job_key: str) -> None:
        """The lock now runs until now + the lock duration."""
        self._client.extend_lock(job_key, {"workerId": self._worker, "newDuration": self._lock_ms})

    def give_back(self, job: ActivatedJob) -> None:
        """Unlock: fetchable again at once, for another replica; retries untouched."""
        self._client.unlock(job.job_key)
