"""ops/requirements.lock, the image's pinned dependencies, matches pyproject.toml."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.ops.conftest import REQUIRE_TOOLS, ROOT, run, tool

LOCK = ROOT / "ops" / "requirements.lock"
LOCK_INPUT = ROOT / "ops" / "requirements.in"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# The lock serves the image: Python 3.11 on Linux.
MARKER_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "extra": "ops",
}


def pins() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes)."""
    found: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text()):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if match:
            found[canonicalize_name(match[1])] = (match[2], block.count("--hash=sha256:"))
    return found


def top_level_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    texts = [*project["dependencies"], *project["optional-dependencies"]["ops"]]
    texts += PYPROJECT["build-system"]["requires"]
    return [Requirement(t) for t in texts]


def test_every_direct_dependency_is_pinned_within_its_range() -> None:
    locked = pins()
    for requirement in top_level_requirements():
        if requirement.marker and not requirement.marker.evaluate(MARKER_ENV):
            continue
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in the lock: run `make lock`"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"lock pins {name}=={version}, pyproject wants {requirement}: run `make lock`"
        )


def test_every_pin_carries_hashes() -> None:
    # pip install --require-hashes in the Dockerfile refuses a pin without one.
    for name, (_, hashes) in pins().items():
        assert hashes >= 1, name


def test_the_lock_input_is_the_build_backend_of_pyproject() -> None:
    lines = [
        line for line in LOCK_INPUT.read_text().splitlines() if line and not line.startswith("#")
    ]
    assert lines == PYPROJECT["build-system"]["requires"]


def test_make_lock_reproduces_the_lock(tmp_path: Path) -> None:
    # Given a copy of the lock (uv keeps the versions of an existing output file)
    out = tmp_path / "requirements.lock"
    shutil.copy(LOCK, out)
    uv = tool("uv", "pip install uv")
    # When `make lock` compiles it again from pyproject.toml
    result = run(
        # STAMP= : compile only, never reinstall the virtualenv from inside a test
        [
            "make",
            "--no-print-directory",
            "lock",
            f"LOCK_FILE={out}",
            f"BIN={Path(uv).parent}",
            "STAMP=",
        ],
        cwd=ROOT,
    )
    if result.returncode != 0:
        offline = re.search(r"(?i)network|connect|dns|timed out|offline|fetch", result.stderr)
        if offline and not REQUIRE_TOOLS:
            pytest.skip(f"uv could not reach the package index: {result.stderr.strip()[-300:]}")
        pytest.fail(f"make lock failed:\n{result.stderr}")
    # Then nothing changes: a dependency added, removed or re-ranged shows up as a diff
    assert out.read_text() == LOCK.read_text(), "ops/requirements.lock is stale: run `make lock`"


def test_a_new_dependency_makes_the_lock_stale(tmp_path: Path) -> None:
    # The check above can fail: a pyproject with one more dependency compiles differently.
    project = tmp_path / "project"
    (project / "ops").mkdir(parents=True)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "\ndependencies = [\n" in pyproject
    (project / "pyproject.toml").write_text(
        pyproject.replace("\ndependencies = [\n", '\ndependencies = [\n    "six",\n', 1)
    )
    shutil.copy(LOCK_INPUT, project / "ops" / "requirements.in")
    shutil.copy(LOCK, project / "ops" / "requirements.lock")
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    uv = tool("uv", "pip install uv")
    result = run(
        ["make", "--no-print-directory", "lock", f"BIN={Path(uv).parent}", "STAMP="],
        cwd=project,
    )
    if result.returncode != 0 and not REQUIRE_TOOLS:
        pytest.skip(f"uv could not compile here: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stderr
    assert (project / "ops" / "requirements.lock").read_text() != LOCK.read_text()
