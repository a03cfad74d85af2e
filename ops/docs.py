"""Regenerate what the README and schema/ derive from the code (``make schema``)."""

from __future__ import annotations

import json

from ops.local import ROOT
from producer.schema import schemas
from producer.settings import markdown_table

START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def main() -> None:
    for name, schema in schemas().items():
        (ROOT / "schema" / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{markdown_table()}\n{END}{tail}")


if __name__ == "__main__":
    main()
