"""The Camunda 8 engine as the adapter's loops see it: activate, report, extend."""

from __future__ import annotations

from adapters.camunda8 import mapping
from adapters.camunda8.client import Camunda8Client
from adapters.camunda8.settings import Camunda8Settings, CamundaConnection
from adapters.engine import ActivatedJob
from adapters.outcome import Outcome


class Camunda8Engine:
    def __init__(
        self, client: Camunda8Client, settings: Camunda8Settings, connection: CamundaConnection
    ) -> None:
        self._client = client
        self._settings = settings
        self._tenant_id = connection.tenant_id
        self._timeout_ms = int(settings.job_timeout * 1000)

    def activate(self, job_type: str, max_jobs: int) -> list[ActivatedJob]:
        body = mapping.activation_body(
            job_type,
            worker=self._settings.worker_name,
            timeout_ms=self._timeout_ms,
            max_jobs=max_jobs,
            request_timeout_ms=int(self._settings.poll_timeout * 1000),
            tenant_id=self._tenant_id,
        )
        jobs = self._client.activate(body, self._settings.poll_timeout)
        return [mapping.activated_job(job) for job in jobs]

    def report(self, job_key: str, outcome: Outcome) -> None:
        call, body = mapping.request_for(outcome)
        if call == "completion":
            self._client.complete(job_key, body)
        elif call == "error":
            self._client.throw_error(job_key, body)
        else:
            self._client.fail(job_key, body)

    def give_back(self, job: ActivatedJob) -> None:
        """A failure that keeps the job's retries and has no backoff: activatable again at
        once, for another replica; no incident, no attempt used."""
        body = {"retries": job.retries, "errorMessage": "smq adapter stopping: job handed back"}
        self._client.fail(job.job_key, {**body, "retryBackOff": 0})

    def extend(self, job_key: str) -> None:
        """The deadline becomes now + the job timeout."""
        self._client.update(job_key, {"changeset": {"timeout": self._timeout_ms}})
