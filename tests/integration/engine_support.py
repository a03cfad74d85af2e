"""What the Camunda 7 and Camunda 8 adapters' integration tests check the same way: the
stand-in's record of an engine job, what the adapter sent the engine, the adapter's log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.standin import StandInControl
from ops.local import Service, wait_until
from tests.integration.conftest import SECRETS


def wait_ended(
    read: Callable[[], dict[str, Any]], states: tuple[str, ...], timeout: float, what: str
) -> dict[str, Any]:
    """The engine job ``read`` returns, once in one of ``states`` or in an incident."""
    seen: dict[str, Any] = {}

    def ended() -> bool:
        seen.update(read())
        return seen["state"] in states or bool(seen["incident"])

    wait_until(ended, timeout, f"{what} to end (last seen: {seen.get('state')})")
    return seen


def events(record: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The stand-in's history events of one engine job with this name."""
    return [e for e in record["history"] if e["event"] == name]


def assert_nothing_secret_sent(control: StandInControl, extra: tuple[str, ...] = ()) -> None:
    """No secret value in any request the adapter sent the engine, none invalid, and the
    stand-in's own answers valid."""
    document = control.requests()
    assert document["invalid"] == [], document["invalid"][:3]
    sent = "\n".join(r["raw"] for r in document["requests"])
    for value in (*SECRETS.values(), *extra):
        assert value not in sent, "a secret value reached the engine"
    assert control.stats()["selfCheck"] == []


def adapter_log_events(service: Service, event: str) -> list[dict[str, Any]]:
    """The adapter's JSON log lines of this event."""
    found = []
    for line in service.log_text().splitlines():
        if f'"{event}"' in line:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found
