"""What the emulator remembers per endpoint: the script being played and what was invoked."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from typing import Any

from emulator.http import Connection
from emulator.scripts import Cursor, Script

MAX_RECORDS = 1000  # per endpoint; older records are dropped, counts are kept
_INVOCATION_TAG = "invocation"


class InvocationLog:
    """Every invocation of one endpoint: a count, counts per inference id, the last records."""

    def __init__(self) -> None:
        self.count = 0
        self.by_inference_id: Counter[str] = Counter()
        self.records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)

    def add(self, record: dict[str, Any]) -> None:
        self.count += 1
        inference_id = record.get("inferenceId")
        if inference_id:
            self.by_inference_id[inference_id] += 1
        self.records.append(record)

    def document(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "byInferenceId": dict(self.by_inference_id),
            "records": list(self.records),
        }


class EndpointState:
    def __init__(self, script: Script) -> None:
        self.cursor = Cursor(script, time.monotonic())
        self.log = InvocationLog()
        # Set by POST .../release: held async outputs (AsyncSpec.hold) may land.
        self.released = asyncio.Event()

    @property
    def script(self) -> Script:
        return self.cursor.script


class EmulatorState:
    """All endpoints (created on first use, echoing) and the invocation-level counters."""

    def __init__(self) -> None:
        self._endpoints: dict[str, EndpointState] = {}
        self.invocations = 0
        # Connections that carried at least one invocation: unlike connectionsOpened it is
        # not inflated by control-API calls, so a test can prove boto3 reused one socket.
        self.invocation_connections = 0
        # Real-time invocations waiting out their scripted latency now: what a benchmark
        # samples as "calls in flight".
        self.in_flight = 0

    def in_flight_changed(self, delta: int) -> None:
        self.in_flight += delta

    def endpoint(self, name: str) -> EndpointState:
        state = self._endpoints.get(name)
        if state is None:
            state = self._endpoints[name] = EndpointState(Script())
        return state

    def set_script(self, name: str, script: Script) -> None:
        """Replace the script and restart it; the invocation log is kept."""
        self.endpoint(name).cursor = Cursor(script, time.monotonic())

    def forget(self, name: str) -> None:
        self._endpoints.pop(name, None)

    def reset(self) -> None:
        self._endpoints.clear()

    def note_invocation(self, connection: Connection) -> None:
        self.invocations += 1
        if _INVOCATION_TAG not in connection.tags:
            connection.tags.add(_INVOCATION_TAG)
            self.invocation_connections += 1
