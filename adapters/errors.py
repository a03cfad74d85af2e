"""What an engine's answer means to an adapter, split by what the adapter should do.

An engine client translates its transport and HTTP errors into these once, where it is
wrapped (``camunda8/client.py``, ``camunda7/client.py``); the loops decide from the class
alone.
"""

from __future__ import annotations

from typing import ClassVar


class EngineError(Exception):
    """An engine call did not succeed."""

    retryable: ClassVar[bool] = False

    def __init__(self, title: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(f"{status or '-'} {title}: {detail}" if detail else title)
        self.title = title
        self.status = status
        self.detail = detail


class JobGone(EngineError):
    """404: the job no longer exists (completed elsewhere, instance cancelled or deleted, an
    interrupting boundary event). Acknowledge."""


class JobConflict(EngineError):
    """The job is in a state that refuses the call: Camunda 8's 409 (failed, not activated),
    Camunda 7's 400 for a lock this worker no longer holds (expired, taken by another worker).
    Acknowledge."""


class RequestRejected(EngineError):
    """400/403 and other 4xx: the engine refuses this request as sent; repeating cannot help."""


class EngineUnavailable(EngineError):
    """503 (backpressure), other 5xx, 429, network errors, authentication that keeps failing:
    try again after a jittered backoff."""

    retryable = True
