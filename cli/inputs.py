"""Job files and id files as a person hands them over: several paths, globs, stdin.

Every failure is a ``InputFileError`` naming the file and, for JSON, the true line and
column, so a pretty-printed file's mistake on line 34 is reported on line 34.
"""

from __future__ import annotations

import glob
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.errors import CliError, Exit
from producer.contract import JOB_ID_PATTERN

STDIN = "-"
_STDIN_NAME = "<stdin>"


class InputFileError(CliError):
    """A file that cannot be read, is not UTF-8, or is not JSON / a JSON array / JSON lines."""

    def __init__(self, message: str) -> None:
        super().__init__(message, Exit.INVALID)


@dataclass(frozen=True)
class Document:
    """One job document and where it came from, as a prefix for its field paths."""

    value: Any
    where: str  # "jobs.json: ", "jobs.json[3].", "jobs.jsonl line 12: "


def expand(paths: Sequence[str]) -> list[str]:
    """The files named by ``paths``; a pattern the shell left alone (quoted) is expanded here."""
    files: list[str] = []
    for path in paths:
        if path == STDIN or Path(path).exists() or not glob.has_magic(path):
            files.append(path)
            continue
        matches = sorted(glob.glob(path, recursive=True))
        if not matches:
            raise InputFileError(f"{path}: no file matches this pattern")
        files.extend(matches)
    if files.count(STDIN) > 1:
        raise InputFileError("- (stdin) can be given only once")
    return files


def read_text(path: str) -> str:
    """The file's text (``-``: stdin), decoded as UTF-8 (a byte-order mark is fine)."""
    name = _STDIN_NAME if path == STDIN else path
    try:
        raw = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(
            f"{path}: is a directory, not a file (a pattern like '{path}/*.json' takes its files)"
        ) from None
    except PermissionError:
        raise InputFileError(f"{path}: not readable (permission denied)") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            f"{name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}, offset "
            f"{exc.start}); save the file as UTF-8"
        ) from None


def read_job_files(paths: Sequence[str]) -> list[Document]:
    """Every job of every file, in order; nothing is returned unless all files are good."""
    documents: list[Document] = []
    for path in expand(paths):
        name = _STDIN_NAME if path == STDIN else path
        documents.extend(parse_documents(read_text(path), name))
    return documents


def parse_documents(text: str, name: str = _STDIN_NAME) -> list[Document]:
    """One job, a JSON array of jobs, or JSON lines (one job per line)."""
    if not text.strip():
        raise InputFileError(f"{name}: no job in it (the file is empty)")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as whole:
        if _looks_like_json_lines(text):
            return _json_lines(text, name)
        raise _json_error(name, whole) from None
    if isinstance(value, list):
        return [Document(item, f"{name}[{i}].") for i, item in enumerate(value)]
    return [Document(value, f"{name}: ")]


def read_documents(text: str) -> list[Any]:
    """The job documents in ``text`` (the shapes of ``parse_documents``)."""
    return [d.value for d in parse_documents(text)]


def _looks_like_json_lines(text: str) -> bool:
    """The first non-blank line is a whole JSON object on its own: the file is JSON lines.
    Otherwise it is one (pretty-printed) document, and the whole-text error is the true one."""
    first = next(line for line in text.splitlines() if line.strip())
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _json_lines(text: str, name: str) -> list[Document]:
    documents = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            documents.append(Document(json.loads(line), f"{name} line {number}: "))
        except json.JSONDecodeError as exc:
            raise InputFileError(
                f"{name}: line {number}, column {exc.colno}: not valid JSON ({exc.msg})"
            ) from None
    return documents


def _json_error(name: str, exc: json.JSONDecodeError) -> InputFileError:
    return InputFileError(
        f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
    )


def read_ids(path: str) -> list[str]:
    """Job ids, one per line (blank lines and ``#`` comments skipped), as ``--ids`` writes."""
    name = _STDIN_NAME if path == STDIN else path
    ids = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not re.match(JOB_ID_PATTERN, text):
            raise InputFileError(
                f"{name}: line {number}: {text[:60]!r} is not a job id (a file of ids has one "
                "per line, as `smq submit --ids FILE` writes it)"
            )
        ids.append(text)
    return ids
