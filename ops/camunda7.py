"""Start the Camunda 7 stand-in engine and the adapter as real local processes (tests and
benchmarks share these, as they share ``ops.local`` for the rest)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from ops.local import Service, _await_line, _spawn


def start_camunda7(
    workdir: Path,
    *,
    auth: str = "none",
    name: str = "camunda7",
    check_answers: bool = True,
) -> Service:
    """``python -m emulator.camunda7`` on a free port; ``url`` is its root (REST under
    /engine-rest; basic auth demo/demo, bearer token smq-token)."""
    argv = [sys.executable, "-m", "emulator.camunda7", "--port", "0", "--auth", auth]
    if not check_answers:
        argv.append("--no-answer-check")
    service = _spawn(name, argv, workdir)
    marker = "listening on"
    service.url = _await_line(service, marker, 30).split(marker, 1)[1].strip()
    return service


def start_adapter7(workdir: Path, env: Mapping[str, str], *, name: str = "adapter7") -> Service:
    """A real ``smq camunda7`` process; returns once its loops run."""
    argv = [sys.executable, "-m", "cli.main", "camunda7"]
    service = _spawn(name, argv, workdir, env)
    _await_line(service, "adapter_started", 30)
    return service
