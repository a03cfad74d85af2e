"""What the engine-neutral loops need from an engine: its activated jobs as queue-job
documents, and three calls — report an outcome, push a job's deadline (Camunda 8: its
timeout; Camunda 7: its lock), hand a job back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from adapters.outcome import Outcome


@dataclass(frozen=True)
class ActivatedJob:
    job_key: str  # the engine's id of the job (Camunda 8 jobKey, Camunda 7 task id)
    retries: int  # the engine job's retries as activated
    document: dict[str, Any]  # the queue job, without id and replyTo
    secrets: frozenset[str] = frozenset()  # inline credential values, masked in messages
    # Why the engine job cannot become a queue job at all (a variable that is not JSON): it is
    # reported as an incident with this message, and nothing is queued.
    invalid: str | None = None


class Engine(Protocol):
    """An engine client as the loops use it; raises ``adapters.errors.EngineError``s."""

    def report(self, job_key: str, outcome: Outcome) -> None: ...

    def extend(self, job_key: str) -> None: ...

    def give_back(self, job: ActivatedJob) -> None:
        """Return a job activated while stopping, at once and without using a retry."""
