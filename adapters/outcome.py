"""From a queue result to what the engine is told: complete, throw a BPMN error, or fail.

One pure decision, shared by every engine (Camunda 8 sends it to ``/completion``, ``/error``
or ``/failure``; Camunda 7 to ``complete``, ``bpmnError`` or ``failure``).
"""

from __future__ import annotations

import json
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
    # fail: the whole error as text (code, message, the AWS details), for an engine that keeps
    # a long description beside a short message (Camunda 7's errorDetails); others ignore it.
    # Commentary derived from the result, so not part of what makes two outcomes the same.
    details: str = field(default="", compare=False)

    def resolved(self, activated_retries: int) -> Outcome:
        """This outcome with ``retries`` decided, given the engine job's retries as activated."""
        if self.kind != "fail" or self.retries is not None:
            return self
        return replace(self, retries=max(0, activated_retries - 1))

    def masked(self, secrets: Iterable[str]) -> Outcome:
        """The message and details with every known secret value replaced by ``****``."""
        ordered = sorted(secrets, key=len, reverse=True)
        message, details = _mask(self.message, ordered), _mask(self.details, ordered)
        if (message, details) == (self.message, self.details):
            return self
        return replace(self, message=message, details=details)


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
            details=describe(result),
        )
    return incident(error.code, error.message, describe(result))


def incident(code: str, message: str, details: str = "") -> Outcome:
    """Fail with no retries left: the engine raises an incident showing ``code: message``."""
    text = f"{code}: {message}"
    return Outcome("fail", error_code=code, message=_cap(text), retries=0, details=details or text)


def describe(result: Result) -> str:
    """A failed result as readable text: code and whole message, then what else it knows."""
    error = result.error
    if error is None:
        return ""
    lines = [f"{error.code}: {error.message}", "", f"type: {error.type}"]
    lines += [f"retryable: {str(error.retryable).lower()}", f"attempts: {result.attempts}"]
    lines.append(f"queue job: {result.id}")
    if error.details:
        lines += ["details:", json.dumps(error.details, indent=2, sort_keys=True, default=str)]
    return "\n".join(lines)


def duration_ms(text: str | None) -> int:
    """An ISO-8601 duration (``PT30S``) in milliseconds; 0 when absent or unreadable."""
    if not text:
        return 0
    try:
        return max(0, int(_DURATION.validate_python(text).total_seconds() * 1000))
    except ValidationError:
        return 0


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= 4:  # masking "a" or "1" would wreck the message, not hide anything
            text = text.replace(secret, MASK)
    return text


def _cap(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
