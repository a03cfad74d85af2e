"""Regenerate what the README and schema/ derive from the code (``make schema``)."""

from __future__ import annotations

import json
from collections.abc import Callable

from adapters.camunda7.settings import Camunda7Settings
from adapters.camunda8.settings import Camunda8Settings, CamundaConnection
from adapters.ingress.settings import IngressSettings
from adapters.spiff.settings import SpiffSettings
from ops.local import ROOT
from producer.schema import schemas
from producer.settings import Settings, markdown_table
from worker.settings import WorkerSettings

# Marker name in the README → the table between its start and end markers.
TABLES: dict[str, Callable[[], str]] = {
    "settings-table": lambda: markdown_table(Settings),
    "worker-settings-table": lambda: markdown_table(WorkerSettings, skip=Settings),
    "camunda8-connection-table": lambda: markdown_table(CamundaConnection),
    "camunda8-settings-table": lambda: markdown_table(Camunda8Settings),
    "camunda7-settings-table": lambda: markdown_table(Camunda7Settings),
    "spiff-settings-table": lambda: markdown_table(SpiffSettings, skip=Settings),
    "ingress-settings-table": lambda: markdown_table(IngressSettings, skip=Settings),
}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def render(text: str) -> str:
    """``text`` with every generated table replaced by its current version."""
    for name, table in TABLES.items():
        start, end = markers(name)
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{table()}\n{end}{tail}"
    return text


def main() -> None:
    for name, schema in schemas().items():
        (ROOT / "schema" / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    readme = ROOT / "README.md"
    readme.write_text(render(readme.read_text()))


if __name__ == "__main__":
    main()
