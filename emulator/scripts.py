"""How a scripted endpoint behaves: the script document and the cursor that plays it.

A script is set over the control API (``PUT /_emulator/endpoints/{name}``) and replaces the
previous one, restarting its sequence, its error budget and its ``forMs`` clock. Keys are
camelCase on the wire; snake_case is accepted too, so Python callers can pass keyword
arguments (``async_`` for ``async``). Unknown keys are refused, so a typo fails loudly
instead of leaving the endpoint echoing.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

# The status SageMaker answers each error code with; a script may override it.
DEFAULT_ERROR_STATUS = {
    "ValidationError": 400,
    "ThrottlingException": 400,
    "ModelError": 424,
    "ModelNotReadyException": 429,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "InternalDependencyException": 530,
}


class _Spec(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
    )


class ReplySpec(_Spec):
    """A fixed successful answer; with neither body given, the request body is echoed."""

    body: Any = None  # a string is sent as UTF-8; anything else as its JSON text
    base64_body: str | None = None
    content_type: str | None = None  # None: the request's Accept, else its Content-Type
    custom_attributes: str | None = None  # None: the request's custom attributes, if any
    invoked_production_variant: str | None = None  # None: TargetVariant, else "AllTraffic"

    @field_validator("base64_body")
    @classmethod
    def _decodable(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise ValueError(f"base64Body is not base64: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_body(self) -> ReplySpec:
        if self.body is not None and self.base64_body is not None:
            raise ValueError("give body or base64Body, not both")
        return self

    def payload(self) -> bytes | None:
        """The body to send, or None to echo the request."""
        if self.base64_body is not None:
            return base64.b64decode(self.base64_body)
        if self.body is None:
            return None
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class ErrorSpec(_Spec):
    """An error answer in SageMaker's wire format; ModelError may carry the model's own."""

    code: str
    status: int | None = None  # None: DEFAULT_ERROR_STATUS[code], else 400
    message: str | None = None
    original_status_code: int | None = None
    original_message: str | None = None
    log_stream_arn: str | None = None

    @property
    def http_status(self) -> int:
        return self.status or DEFAULT_ERROR_STATUS.get(self.code, 400)


class Step(_Spec):
    """One invocation's answer in a sequence: a reply, an error, or (neither) an echo."""

    response: ReplySpec | None = None
    error: ErrorSpec | None = None
    latency_ms: int | None = Field(default=None, ge=0)  # None: the script's latencyMs

    @model_validator(mode="after")
    def _one_outcome(self) -> Step:
        if self.response is not None and self.error is not None:
            raise ValueError("a step has a response or an error, not both")
        return self


class ErrorBurst(ErrorSpec):
    """An error answered after the sequence, for `count` calls and/or during `forMs`."""

    count: int | None = Field(default=None, ge=0)  # None: no limit by count
    for_ms: int | None = Field(default=None, ge=0)  # None: no limit by time


class AsyncSpec(_Spec):
    """How an InvokeEndpointAsync request completes in S3."""

    delay_ms: int = Field(default=200, ge=0)
    # Adds uniform [0, jitterMs] to the delay: outputs land in random order.
    jitter_ms: int = Field(default=0, ge=0)
    fail: bool = False
    failure_message: str = "the model container failed (scripted failure)"
    # Hold every output until the endpoint is released (POST .../release); each then lands
    # at a random moment within jitterMs of the release, delayMs ignored. A benchmark starts
    # thousands of inferences and lets their outputs land over a set window once all are
    # tracked, however long starting them took.
    hold: bool = False


class Script(_Spec):
    """Everything an endpoint does; the default script echoes at once."""

    latency_ms: int = Field(default=0, ge=0)
    jitter_ms: int = Field(default=0, ge=0)  # adds uniform [0, jitterMs] to every latency
    response: ReplySpec | None = None
    sequence: tuple[Step, ...] = ()
    errors: ErrorBurst | None = None
    async_: AsyncSpec = Field(default_factory=AsyncSpec, alias="async")

    def document(self) -> dict[str, Any]:
        """The script as the control API shows it: camelCase, with defaults filled in."""
        return self.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the next invocation answers: after `latency_s`, an error, a reply or an echo."""

    latency_s: float
    reply: ReplySpec | None = None
    error: ErrorSpec | None = None


class Cursor:
    """Plays a script: the sequence first, then the error burst, then the steady answer."""

    def __init__(self, script: Script, now: float) -> None:
        self.script = script
        self._started = now
        self._next_step = 0
        self._burst_used = 0

    def next_plan(self, now: float) -> Plan:
        script = self.script
        if self._next_step < len(script.sequence):
            step = script.sequence[self._next_step]
            self._next_step += 1
            latency_ms = script.latency_ms if step.latency_ms is None else step.latency_ms
            return Plan(self._latency(latency_ms), step.response, step.error)
        if script.errors is not None and self._burst_active(script.errors, now):
            self._burst_used += 1
            return Plan(self._latency(script.latency_ms), error=script.errors)
        return Plan(self._latency(script.latency_ms), reply=script.response)

    def _burst_active(self, burst: ErrorBurst, now: float) -> bool:
        if burst.count is not None and self._burst_used >= burst.count:
            return False
        return burst.for_ms is None or (now - self._started) * 1000 < burst.for_ms

    def _latency(self, latency_ms: int) -> float:
        jitter_ms = self.script.jitter_ms
        return (latency_ms + (random.uniform(0, jitter_ms) if jitter_ms else 0)) / 1000
