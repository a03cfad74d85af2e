"""A queue message's jobs, run together: begun as the message was received (``worker/received.py``)
or else in one Redis round trip, all finished before the message is acked, so a bulk message
takes one call's time.

With the event-loop transport, the task's own thread runs them all: it reads each job and
sends its call on the loop, then finishes each as its answer comes, posting the results that
arrive together in one round trip. A job's thread of its own — a wake-up and a GIL hand-off per
job — is left for what the loop does not carry (asynchronous inferences, the botocore
transport): with the botocore transport every job but the first runs on one. A message of one
job runs on the task's thread, its call sent from there: no other job needs the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from redis.exceptions import RedisError

from producer.contract import Result
from producer.keys import MAX_IDS_PER_MESSAGE
from worker.attempting import Attempting
from worker.decision import Attempt
from worker.outcome import Outcome
from worker.received import RECEIVED
from worker.runner import JobRunner
from worker.sagemaker.lean import PendingCall
from worker.store import Begun


class MessageJobs:
    """Runs the jobs of one message; one per worker process, shared by its task threads."""

    def __init__(self, runner: JobRunner, concurrency: int) -> None:
        self.runner = runner
        self._concurrency = concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(self, job_ids: Sequence[str], task_id: str | None = None) -> list[Outcome]:
        """``task_id``: the message's, to find its jobs if they were begun as it was received."""
        ids = list(dict.fromkeys(job_ids))  # an id twice in one message runs once
        begun = RECEIVED.take(task_id, ids) or self.runner.store.begin(ids)
        if len(begun) == 1:
            return [self.runner.execute(begun[0])]
        if self.runner.sends_on_loop:
            return self._on_loop(begun)
        return self._on_threads(begun)

    def _on_threads(self, begun: list[Begun]) -> list[Outcome]:
        rest = [self._executor().submit(self.runner.execute, b) for b in begun[1:]]
        try:
            first = self.runner.execute(begun[0])
        finally:
            wait(rest)  # never leave a message's jobs running after it is acked
        return [first] + [future.result() for future in rest]

    def _on_loop(self, begun: list[Begun]) -> list[Outcome]:
        runner = self.runner
        outcomes: list[Outcome | Future[Outcome] | None] = [None] * len(begun)
        calls: dict[Future[Any], tuple[int, Attempting, PendingCall]] = {}
        over: list[tuple[int, Attempting, Attempt]] = []  # failed before any call
        unposted: list[RedisError] = []

        def finish(attempts: list[tuple[int, Attempting, Attempt]]) -> None:
            try:
                for i, outcome in self._finish(attempts):
                    outcomes[i] = outcome
            except RedisError as exc:
                # As on threads: the message's other jobs still finish (and post, if Redis
                # comes back) before the task requeues the message.
                unposted.append(exc)

        try:
            for i, one in enumerate(begun):
                if one.handled:
                    outcomes[i] = runner.handled(one)
                    continue
                attempting = Attempting(one)
                sent = runner.send(attempting)
                if isinstance(sent, PendingCall):
                    calls[sent.future] = (i, attempting, sent)
                elif isinstance(sent, Attempt):
                    over.append((i, attempting, sent))
                else:
                    outcomes[i] = self._executor().submit(runner.finish_blocking, attempting)
            finish(over)
            waiting = set(calls)
            while waiting:
                done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                answered = [calls.pop(future) for future in done]
                finish([(i, a, runner.receive(a, pending)) for i, a, pending in answered])
        finally:
            # never leave a message's jobs running after it is acked (or requeued)
            wait([f for f in (*calls, *outcomes) if isinstance(f, Future)])
        if unposted:
            raise unposted[0]
        finished = [o.result() if isinstance(o, Future) else o for o in outcomes]
        if None in finished:  # every path above answers its job: this would be a bug here
            raise RuntimeError("a job of the message was left without an outcome")
        return [o for o in finished if o is not None]

    def _finish(self, attempts: list[tuple[int, Attempting, Attempt]]) -> list[tuple[int, Outcome]]:
        """Settle each attempt; the results to post go in one round trip."""
        finished: list[tuple[int, Outcome]] = []
        to_post: list[tuple[int, Attempting, tuple[Result, str]]] = []
        for i, attempting, attempt in attempts:
            settled = self.runner.settle(attempting, attempt)
            if isinstance(settled, Outcome):
                finished.append((i, settled))
            else:
                to_post.append((i, attempting, settled))
        if to_post:
            entries = self.runner.post_many([settled for _, _, settled in to_post])
            for (i, attempting, settled), entry in zip(to_post, entries, strict=True):
                finished.append((i, self.runner.posted(attempting, settled, entry)))
        return finished

    def _executor(self) -> ThreadPoolExecutor:
        """Threads for jobs that need one of their own, started only as needed.

        Sized for the largest message any producer may send, not this process's batch size:
        a job queued behind a full pool would hold its message past the visibility timeout.
        """
        with self._lock:
            if self._pool is None:
                size = self._concurrency * (MAX_IDS_PER_MESSAGE - 1)
                self._pool = ThreadPoolExecutor(size, thread_name_prefix="smq-job")
            return self._pool
