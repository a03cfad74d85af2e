"""The README's configuration tables are the ones generated from the settings models."""

from __future__ import annotations

from ops.docs import render
from ops.local import ROOT


def test_readme_settings_tables_are_current() -> None:
    text = (ROOT / "README.md").read_text()
    assert render(text) == text, "run `make schema` to regenerate the README's tables"
