"""Waiting for jobs' results, for ``submit --wait`` and ``smq wait`` alike.

Results go to stdout as they arrive. On a timeout or Ctrl-C the ids still pending are
printed with the exact command that keeps waiting for them, so no job is lost from sight.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from collections.abc import Mapping

from cli.errors import Exit
from cli.output import ResultPrinter
from cli.progress import Progress
from cli.workers import no_worker_hint, workers_online
from producer.connection import RedisClient
from producer.contract import Result
from producer.results import wait_for

# With nothing answered after this long, ask whether any worker is there at all.
IDLE_CHECK_SECONDS = 5.0
# Up to this many pending ids go on the command line; more go to a file.
INLINE_IDS = 10


class Waiter:
    """Prints the results of ``pending`` (job id → result stream) until all are in."""

    def __init__(
        self,
        redis: RedisClient,
        queue: str,
        printer: ResultPrinter,
        progress: Progress,
    ) -> None:
        self._redis = redis
        self._queue = queue
        self._printer = printer
        self._progress = progress
        self._unprinted: list[Result] = []
        self._workers_checked = False

    def wait(self, pending: Mapping[str, str], cursors: Mapping[str, str], timeout: float) -> Exit:
        remaining = dict(pending)
        failed = False
        started = time.monotonic()

        def tick() -> None:
            self._flush()
            idle = len(remaining) == len(pending) and remaining
            if idle and time.monotonic() - started >= IDLE_CHECK_SECONDS:
                self._check_workers()

        try:
            for result in wait_for(
                self._redis, dict(pending), dict(cursors), timeout=timeout, tick=tick
            ):
                remaining.pop(result.id, None)
                ok = result.status == "completed"
                failed = failed or not ok
                self._unprinted.append(result)
                self._progress.advance(done=int(ok), failed=int(not ok))
        except KeyboardInterrupt:
            self._flush()
            self._progress.warn(f"interrupted: {len(remaining)} of {len(pending)} job(s) pending")
            self._report(list(remaining))
            return Exit.INTERRUPTED
        self._flush()
        if remaining:
            self._progress.warn(
                f"timed out after {timeout:g}s: {len(remaining)} of {len(pending)} job(s) "
                "still pending"
            )
            self._check_workers()
            self._report(list(remaining))
            return Exit.TIMEOUT
        return Exit.FAILED if failed else Exit.OK

    def _flush(self) -> None:
        """Print what arrived, in one go: lifting a progress bar per line would flicker."""
        if not self._unprinted:
            return
        with self._progress.writing_stdout():
            for result in self._unprinted:
                self._printer.print(result)
        self._unprinted.clear()

    def _check_workers(self) -> None:
        if self._workers_checked:
            return
        self._workers_checked = True
        if workers_online() == []:
            self._progress.warn(no_worker_hint(self._queue))

    def _report(self, ids: list[str]) -> None:
        self._progress.warn(resume_hint(ids))


def resume_hint(ids: list[str]) -> str:
    """Which ids are pending, and the command that keeps waiting for exactly those."""
    if len(ids) <= INLINE_IDS:
        quoted = " ".join(shlex.quote(i) for i in ids)
        return f"still pending: {' '.join(ids)}\nkeep waiting: smq wait {quoted}"
    with tempfile.NamedTemporaryFile(
        "w", prefix="smq-pending-", suffix=".ids", delete=False, encoding="utf-8"
    ) as handle:
        handle.write("".join(f"{i}\n" for i in ids))
    path = shlex.quote(handle.name)
    return f"the {len(ids)} pending ids are in {path}\nkeep waiting: smq wait --from {path}"
