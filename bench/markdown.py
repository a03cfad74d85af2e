"""``python -m bench.markdown RUN.json [RUN.json …]``: the targeted figures of one or more
``python -m bench`` reports as a Markdown table, one column per run, for the README.

Each cell is the value, its ratio to the reference when the target is a ratio, and whether
it held in that run; the table is pasted from real reports, never typed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    ratio = f" ({entry['ratio']:g}x)" if entry.get("ratio") is not None else ""
    return f"{entry['value']:g}{ratio} {'met' if entry['met'] else '**missed**'}"


def table(reports: list[dict[str, Any]]) -> str:
    keys = list(dict.fromkeys(k for r in reports for k in r["targets"]))
    target = {k: r["targets"][k]["target"] for r in reports for k in r["targets"]}
    times = [r["machine"].get("time", "?") for r in reports]
    lines = [
        "| figure | target | " + " | ".join(f"run {t}" for t in times) + " |",
        "|---|---|" + "---|" * len(reports),
    ]
    for key in keys:
        cells = " | ".join(cell(r["targets"].get(key)) for r in reports)
        lines.append(f"| `{key}` | {target[key]} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    print(table([json.loads(Path(p).read_text()) for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
