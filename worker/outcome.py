"""What each job of a message came to, and what the message's Celery task reports for them, so
that a task's state in Flower is its jobs' outcome:

- completed (also bpmnError, handed to the poller, or already done) → SUCCESS, and the task's
  result maps each job id to its outcome;
- a retry scheduled → RETRY;
- failed → FAILURE, with the error code and the masked message;
- a bulk message: FAILURE if any of its jobs failed, else RETRY if any will be retried, else
  SUCCESS; the exception or the result lists every job.

Celery takes the state from what the task raises, with no result backend involved: ``JobsFailed``
is in the task's ``throws`` (Celery logs it at INFO, below our Celery log level: the job's own
lines already told it), and with acks_late a failed task's message is acknowledged
(``task_acks_on_failure_or_timeout``). A ``Retry`` raised by hand only sets the state: unlike
``task.retry()`` it publishes nothing, and the message is acknowledged — the retry itself
waits in ``smq:retry``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from celery.exceptions import Retry

from producer.contract import Result

# Task events travel to Flower through Redis pub/sub, one per task: keep them short.
_MESSAGE_CHARS = 200
_SUMMARY_CHARS = 2000


class Kind(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    BPMN_ERROR = "bpmnError"
    RETRYING = "retrying"
    AWAITING = "awaiting"  # an asynchronous inference: the poller posts the result
    HANDLED = "handled"  # done or tracked already (a redelivered message): nothing to do


@dataclass(frozen=True, slots=True)
class Outcome:
    job_id: str
    kind: Kind
    result: Result | None = None  # what the runner posted (or would have: already posted)
    retry_in: float | None = None

    @classmethod
    def posted(cls, result: Result) -> Outcome:
        return cls(result.id, Kind(result.status), result)

    def describe(self) -> str:
        """``completed``, ``failed ModelError: <masked message>``, ``retrying …``."""
        error = self.result.error if self.result else None
        if error is None:
            return self.kind.value
        text = f"{self.kind.value} {error.code}"
        if self.kind is Kind.RETRYING and self.retry_in is not None:
            return f"{text}, next attempt in {self.retry_in:.1f}s"
        if self.kind is Kind.FAILED:
            return f"{text}: {error.message[:_MESSAGE_CHARS]}"
        return text


class JobsFailed(Exception):
    """At least one job of the message failed: the task's state is FAILURE."""


class RetryScheduled(Retry):
    """At least one job of the message will be retried (and none failed): RETRY. Flower shows
    the exception's repr as the reason; Celery's own repr would nest the message in itself."""

    def __repr__(self) -> str:
        return f"RetryScheduled({self.message!r})"


def report(outcomes: Sequence[Outcome]) -> dict[str, str]:
    """The task's result (SUCCESS); raises for FAILURE or RETRY, as described above."""
    summary = {o.job_id: o.describe() for o in outcomes}
    kinds = {o.kind for o in outcomes}
    if Kind.FAILED in kinds:
        failed = sum(1 for o in outcomes if o.kind is Kind.FAILED)
        raise JobsFailed(_text(f"{failed} of {len(outcomes)} job(s) failed", summary))
    if Kind.RETRYING in kinds:
        raise RetryScheduled(_text("retry scheduled", summary))
    return summary


def _text(head: str, summary: dict[str, str]) -> str:
    # Failures first: a long bulk summary is cut at the end, never at them.
    order = sorted(summary.items(), key=lambda item: not item[1].startswith(Kind.FAILED))
    return f"{head}: " + "; ".join(f"{job}: {what}" for job, what in order)[:_SUMMARY_CHARS]
