"""Start the Camunda 7 stand-in engine and the adapter as real local processes (tests and
benchmarks share these, as they share ``ops.local`` for the rest)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from ops.local import Service, _start_announcing, start_smq


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
    return _start_announcing(name, argv, workdir, "listening on")


def start_adapter7(workdir: Path, env: Mapping[str, str], *, name: str = "adapter7") -> Service:
    """A real ``smq camunda7`` process; returns once its loops run."""
    return start_smq(["camunda7"], workdir, env, name=name, ready="adapter_started")
