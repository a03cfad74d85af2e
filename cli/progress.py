"""A live progress line on stderr for long operations, and the notes printed around it.

Shown only when stderr is a terminal and ``--quiet`` is not given: a pipe or a log file gets
nothing extra. rich draws it (done / failed / pending, rate, elapsed); every long command
uses this one class, so they all look and behave the same.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress line and no notes on stderr (errors and the pending ids still are)",
    )


WAITING = ("done", "failed", "pending")
ENQUEUING = ("enqueued", "already there", "to go")


class _Counts(ProgressColumn):
    def render(self, task: Task) -> Text:
        failed = int(task.fields.get("failed", 0))
        done = int(task.completed) - failed
        pending = int(task.total or 0) - int(task.completed)
        ok, bad, left = task.fields.get("labels", WAITING)
        return Text(f"{done} {ok} · {failed} {bad} · {pending} {left}")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.1f} jobs/s")


class Progress:
    """Counts of one operation over ``total`` jobs; a context manager around the work."""

    def __init__(
        self, what: str, total: int, *, quiet: bool = False, labels: tuple[str, ...] = WAITING
    ) -> None:
        self.quiet = quiet
        self._stderr_tty = sys.stderr.isatty()
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        if self._stderr_tty and not quiet:
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=None),  # the bar takes what the counts leave
                _Counts(table_column=Column(no_wrap=True)),
                _Rate(table_column=Column(no_wrap=True)),
                TimeElapsedColumn(),
                console=Console(stderr=True, highlight=False),
                transient=True,
                expand=True,  # one line at any terminal width: the bar shrinks, not the counts
                # Our own prints go around the bar (note, stdout): rich must not swallow them.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self._bar.add_task(what, total=total, failed=0, labels=labels)

    @classmethod
    def of(
        cls, args: argparse.Namespace, what: str, total: int, labels: tuple[str, ...] = WAITING
    ) -> Progress:
        return cls(what, total, quiet=bool(getattr(args, "quiet", False)), labels=labels)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, *, done: int = 0, failed: int = 0) -> None:
        if self._bar is not None and self._task is not None:
            task = self._bar.tasks[self._task]
            self._bar.update(
                self._task,
                advance=done + failed,
                failed=int(task.fields.get("failed", 0)) + failed,
            )

    def note(self, text: str) -> None:
        """An informational line on stderr (not with ``--quiet``)."""
        if not self.quiet:
            self.warn(text)

    def warn(self, text: str) -> None:
        """A line on stderr that always shows, above the bar when there is one."""
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=sys.stderr, flush=True)

    @contextmanager
    def writing_stdout(self) -> Iterator[None]:
        """Around writes to stdout: when stdout is the same terminal, lift the bar first."""
        if self._bar is None or not sys.stdout.isatty():
            yield
            return
        self._bar.stop()
        try:
            yield
        finally:
            sys.stdout.flush()
            self._bar.start()
