"""Start the Camunda 8 stand-in engine and the adapter as real local processes (tests and
benchmarks share these, as they share ``ops.local`` for the rest)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from ops.local import Service, _start_announcing, start_smq


def start_camunda8(
    workdir: Path,
    *,
    auth: str = "none",
    token_lifetime: int = 3600,
    name: str = "camunda8",
    check_answers: bool = True,
) -> Service:
    """``python -m emulator.camunda8`` on a free port; ``url`` is its root (REST under /v2)."""
    argv = [
        sys.executable, "-m", "emulator.camunda8", "--port", "0",
        "--auth", auth, "--token-lifetime", str(token_lifetime),
    ]  # fmt: skip
    if not check_answers:
        argv.append("--no-answer-check")
    return _start_announcing(name, argv, workdir, "listening on")


def start_adapter(workdir: Path, env: Mapping[str, str], *, name: str = "adapter") -> Service:
    """A real ``smq camunda`` process; returns once its loops run."""
    return start_smq(["camunda"], workdir, env, name=name, ready="adapter_started")
