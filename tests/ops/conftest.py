"""Checks of the deployment files: compose, Dockerfile, lock, Kubernetes, Prometheus rules.

They need no Docker engine and no cluster. The external tools they call (promtool, hadolint,
docker compose, uv) are skipped with the reason when absent on a developer's machine, and fail
instead when ``SMQ_REQUIRE_TOOLS=1`` (set by .ci/run), so CI cannot pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "ops"
REQUIRE_TOOLS = os.environ.get("SMQ_REQUIRE_TOOLS") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.ops)


def missing(reason: str) -> None:
    """Skip locally; fail where the tools are required (CI)."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason} (SMQ_REQUIRE_TOOLS=1: .ci/run installs it)")
    pytest.skip(reason)


def tool(name: str, hint: str) -> str:
    """Path of an executable: the virtualenv's own first (pip-installed tools), then PATH."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        missing(f"{name} not found ({hint})")
    assert found is not None
    return found


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data
