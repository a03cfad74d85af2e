"""A job's attempt while it runs: its record across threads and phases, read from the stored
job, and labelled for the metrics when it is over."""

from __future__ import annotations

import json
import time
from typing import Any

from producer.contract import InvocationType, Job, Result
from producer.errors import InputError
from worker.decision import Attempt
from worker.secrets import Redactor
from worker.store import Begun


class Call:
    """Times the SageMaker call of an attempt (seconds stays None when none was made)."""

    __slots__ = ("_started", "seconds")

    def __init__(self) -> None:
        self.seconds: float | None = None

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._started


class Attempting:
    """A job's attempt while it runs, possibly across threads and phases (``JobRunner.send``)."""

    __slots__ = ("begun", "call", "counted", "endpoint", "job", "raw", "redactor", "started")

    def __init__(self, begun: Begun) -> None:
        self.begun = begun
        self.redactor = Redactor()
        self.started = time.perf_counter()
        self.call = Call()
        self.raw: Any = None
        self.job: Job | None = None
        self.endpoint: str | None = None
        self.counted: bool | None = None  # by the in-flight gauge: not yet, now, no longer


def labelled(attempting: Attempting, result: Result | None) -> Attempt:
    """The attempt, labelled for the metrics by the job's endpoint and invocation type (as
    submitted when the job is not valid)."""
    job, raw, begun = attempting.job, attempting.raw, attempting.begun
    if job is not None:
        endpoint, kind = job.variables.input.endpoint_name, job.variables.input.invocation_type
    else:
        endpoint, kind = (endpoint_of(raw) or "")[:63], _invocation_type_of(raw)
    seconds = attempting.call.seconds
    return Attempt(begun.job_id, begun.attempts, job, result, endpoint, str(kind), seconds)


def load(doc: str | None) -> dict[str, Any]:
    if doc is None:
        raise InputError(
            "no job is stored under this id (never submitted, or expired)", code="JobNotFound"
        )
    try:
        raw = json.loads(doc)
    except ValueError:
        raise InputError("the stored job is not valid JSON", code="InvalidJob") from None
    if not isinstance(raw, dict):
        raise InputError("the stored job is not a JSON object", code="InvalidJob")
    return raw


def endpoint_of(raw: Any) -> str | None:
    try:
        name = raw["variables"]["input"]["endpointName"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _invocation_type_of(raw: Any) -> str:
    try:
        value = str(raw["variables"]["input"].get("invocationType") or "SYNC").upper()
    except (KeyError, TypeError, AttributeError):
        return ""
    return value if value in InvocationType.__members__ else ""
