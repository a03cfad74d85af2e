"""From a queue result to what the engine is told: complete, throw a BPMN error, or fail.

One pure decision, shared by every engine (Camunda 8 sends it to ``/completion``, ``/error``
or ``/failure``; Camunda 7 to ``complete``, ``bpmnError`` or ``failure``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from producer.contract import Result

# Camunda cuts a connector's error message at 6,000 characters; so do we.
MAX_MESSAGE = 6000
MASK = "****"
_DURATION = TypeAdapter(timedelta)

Kind = Literal["complete", "error", "fail"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    variables: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    message: str = ""
    # fail: the retries the engine job keeps. None (a jobError without retries): the job's
    # retries as activated, minus one — Camunda's default.
    retries: int | None = None
    backoff_ms: int = 0

    def resolved(self, activated_retries: int) -> Outcome:
        """This outcome with ``retries`` decided, given the engine job's retries as activated."""
        if self.kind != "fail" or self.retries is not None:
            return self
        return replace(self, retries=max(0, activated_retries - 1))

    def masked(self, secrets: Iterable[str]) -> Outcome:
        """The message with every known secret value replaced by ``****``."""
        text = self.message
        for secret in sorted(secrets, key=len, reverse=True):
            if len(secret) >= 4:  # masking "a" or "1" would wreck the message, not hide anything
                text = text.replace(secret, MASK)
        return self if text == self.message else replace(self, message=text)


def decide(result: Result) -> Outcome:
    """The engine outcome of a result (the worker already applied ``errorExpression``).

    completed (``ignoreError`` included) → complete with exactly the result variables;
    bpmnError → BPMN error; jobError → fail with the expression's retries and backoff;
    any other failure → fail with no retries left: an incident naming the error code.
    """
    error = result.error
    if result.status == "completed":
        return Outcome("complete", dict(result.variables))
    if error is None:
        return incident("InternalError", f"result with status {result.status} and no error")
    if result.status == "bpmnError":
        return Outcome(
            "error", dict(result.variables), error_code=error.code, message=_cap(error.message)
        )
    if error.type == "jobError":
        return Outcome(
            "fail",
            dict(result.variables),
            error_code=error.code,
            message=_cap(error.message or error.code),
            retries=None if error.retries is None else max(0, error.retries),
            backoff_ms=duration_ms(error.retry_backoff),
        )
    return incident(error.code, error.message)


def incident(code: str, message: str) -> Outcome:
    """Fail with no retries left: the engine raises an incident showing ``code: message``."""
    return Outcome("fail", error_code=code, message=_cap(f"{code}: {message}"), retries=0)


def duration_ms(text: str | None) -> int:
    """An ISO-8601 duration (``PT30S``) in milliseconds; 0 when absent or unreadable."""
    if not text:
        return 0
    try:
        return max(0, int(_DURATION.validate_python(text).total_seconds() * 1000))
    except ValidationError:
        return 0


def _cap(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
