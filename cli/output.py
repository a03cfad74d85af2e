"""Output for people and for programs: a table on a terminal, JSON lines otherwise.

``--output json`` prints one JSON object per line (stable, for scripts); ``--output table``
prints aligned rows. Times are ISO-8601 in UTC; ages and durations are seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from producer.contract import Result


class Format(StrEnum):
    JSON = "json"
    TABLE = "table"


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        "-o",
        choices=[f.value for f in Format],
        default=None,
        help="json: one JSON object per line; table: aligned columns for people "
        "(default: table when stdout is a terminal, JSON lines otherwise)",
    )


def chosen(args: argparse.Namespace, stream: TextIO | None = None) -> Format:
    if getattr(args, "output", None):
        return Format(args.output)
    out = stream or sys.stdout
    return Format.TABLE if out.isatty() else Format.JSON


def json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def console(stream: TextIO | None = None) -> Console:
    """A rich console on stdout; off a terminal it is wide, so a forced table is not wrapped."""
    out = stream or sys.stdout
    return Console(file=out, highlight=False, soft_wrap=False, width=None if out.isatty() else 200)


def print_record(record: Mapping[str, Any], fmt: Format, title: str | None = None) -> None:
    """One object: a JSON line, or a two-column table (nested objects flattened a.b.c)."""
    if fmt is Format.JSON:
        print(json_line(record), flush=True)
        return
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in _flatten(record):
        table.add_row(key, _cell(value))
    console().print(table)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: Format) -> None:
    """Many objects: JSON lines, or one table with ``columns``."""
    if fmt is Format.JSON:
        for row in rows:
            print(json_line(row), flush=True)
        return
    if not rows:
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in columns:
        table.add_column(name)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(json_line(v) if isinstance(v, Mapping | list) else str(v) for v in value)
    return json_line(value) if isinstance(value, Mapping) else str(value)


def _flatten(record: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            items.extend(_flatten(value, name + "."))
        else:
            items.append((name, value))
    return items


class ResultPrinter:
    """Prints results as they arrive: JSON lines, or one aligned row each."""

    _HEADER = ("JOB ID", "STATUS", "ATTEMPTS", "DETAIL")

    def __init__(self, fmt: Format, stream: TextIO | None = None) -> None:
        self.fmt = fmt
        self._out = stream or sys.stdout
        self._header_done = False
        # On a terminal a row fits its width (no wrapped rows); elsewhere 160 columns.
        columns = shutil.get_terminal_size().columns if self._out.isatty() else 160
        self._width = max(20, columns - len(self._row("", "", "", "")))

    def print(self, result: Result) -> None:
        if self.fmt is Format.JSON:
            self._out.write(result.model_dump_json(by_alias=True) + "\n")
        else:
            if not self._header_done:
                self._out.write(self._row(*self._HEADER))
                self._header_done = True
            self._out.write(
                self._row(
                    result.id, result.status, str(result.attempts), detail(result, self._width)
                )
            )
        self._out.flush()

    @staticmethod
    def _row(job_id: str, status: str, attempts: str, text: str) -> str:
        return f"{job_id:<32}  {status:<9}  {attempts:>8}  {text}\n"


def detail(result: Result, width: int = 100) -> str:
    """A result in a few words: the error, or the variables (else the response) it set."""
    if result.error is not None:
        text = f"{result.error.code}: {result.error.message}"
    elif result.variables:
        text = json_line(result.variables)
    else:
        text = json_line(result.response)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
