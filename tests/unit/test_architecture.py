"""The floor plan holds: imports run one way, so each top-level package means one thing.

feel/ stands alone; producer/ (the client side any engine adapter imports) never imports the
worker; the worker imports the producer's contract; only the CLI imports both sides.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"feel", "producer", "worker", "cli", "adapters", "emulator", "ops", "bench"}
# package → the packages of ours it must never import
FORBIDDEN = {
    "feel": OURS - {"feel"},
    "producer": OURS - {"producer"},
    "worker": OURS - {"worker", "producer", "feel"},
    "adapters": OURS - {"adapters", "producer", "feel"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages named by every import in the file, lazy ones inside functions too."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_run_one_way(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in modules(package)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    # A check that cannot fail proves nothing: a lazy import inside a function is caught.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from worker.poller import loop\n    import feel.parser\n")

    assert imported_packages(module) == {"worker", "feel"}


def test_every_package_is_checked() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert {"feel", "producer", "worker", "cli"} <= packages
    assert set(FORBIDDEN) - {"adapters"} <= packages
