"""Posting the poller's results: each as soon as its output is read, not at the end of a pass.

A pass lists a long prefix in ranges and reads what landed in each range as the range comes
in; holding every result until the last range and the last read are done made an output
wait for the whole pass after it was seen (B4's detection p95 was about two passes). One
thread posts whatever results have queued up since its last round trip, so a busy pass still
posts in batches and a quiet one posts each result at once.
"""

from __future__ import annotations

import queue
import threading

import structlog

from producer.connection import RedisClient
from producer.contract import Result
from worker import publish
from worker.poller import completion
from worker.poller.pending import Pending, PendingStore
from worker.settings import WorkerSettings

log = structlog.get_logger("worker.poller")
_STOP = None


class Poster:
    def __init__(self, redis: RedisClient, settings: WorkerSettings, store: PendingStore) -> None:
        self._redis = redis
        self._settings = settings
        self._store = store
        self._queue: queue.Queue[tuple[Pending, Result] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="poller-post", daemon=True)
        self._thread.start()
        self.posted = 0  # results posted (not counting ones another attempt had posted)

    def put(self, pending: Pending, result: Result) -> None:
        """Post this result soon, on the posting thread."""
        self._queue.put((pending, result))

    def flush(self) -> None:
        """Return once every result put so far has been posted (or its batch has failed)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    def post(self, outcomes: list[tuple[Pending, Result]]) -> int:
        """Post these results now, on this thread; how many were new to the result stream."""
        if not outcomes:
            return 0
        decided = [(p, completion.decided(p, r)) for p, r in outcomes]
        default = self._settings.result_stream
        entries = publish.post_many(
            self._redis, self._settings, [(r, p.reply_to or default) for p, r in decided]
        )
        self._store.forget([p for p, _ in decided])
        for (p, result), entry in zip(decided, entries, strict=True):
            log.info(
                "async_result_posted" if entry else "async_result_already_posted",
                job_id=p.job_id,
                status=result.status,
                error_code=result.error.code if result.error else None,
                inference_id=p.started.inference_id,
            )
        posted = sum(1 for e in entries if e)
        self.posted += posted
        return posted

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            outcomes = [item for item in batch if item is not _STOP]
            try:
                self.post(outcomes)
            except Exception as exc:  # Redis away: claims bring these back (leased, or due later)
                log.warning("poller_post_failed", results=len(outcomes), error=str(exc))
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(outcomes) < len(batch):
                return
