"""The poller: a loop of ours (not a Celery worker) that finishes asynchronous inferences.

Why a loop and not Celery: the work is a batch — claim every due inference, list each S3
prefix once, finish what landed — and Celery's unit is one message; parking waits in
countdowns would also hit kombu #337 (ETAs beyond the visibility timeout run repeatedly).
Several pollers can run: claims are atomic and leased, so a crashed poller's come back.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import structlog

from producer.connection import RedisClient
from producer.contract import AwsAccess, Result
from producer.errors import SmqError
from producer.keys import JobState
from worker import publish
from worker.poller import completion
from worker.poller.pending import Pending, PendingStore, prefix_of
from worker.poller.s3check import S3Checker
from worker.poller.schedule import check_interval
from worker.sagemaker.clients import ClientCache
from worker.secrets import Secrets
from worker.settings import WorkerSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = structlog.get_logger("worker.poller")
_MAX_SETTLED = 1_000_000
_MAX_ACCESS = 1024
# How often the oldest pending inference is worked out: ``smq status`` and the exporter need
# it to the second, not to the pass. The minimums are taken in C (4 ms at 100,000 pending);
# dropping inferences not seen lately (finished by another poller) walks them all in Python
# (15 ms), so it is done less often: done every second, the two together held the GIL for 11%
# of a B4 poller's samples (py-spy), each time in the middle of a pass.
_NOTE_EVERY = 1.0
_PRUNE_EVERY = 15.0


@dataclass
class _Found:
    pending: Pending
    kind: str  # "output" | "failure"
    key: str
    size: int


@dataclass
class _Pass:
    """What one pass learned: objects found, jobs whose checks failed for good."""

    found: dict[str, _Found] = field(default_factory=dict)
    broken: dict[str, tuple[Pending, SmqError]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: _Found) -> None:
        with self.lock:
            known = self.found.get(item.pending.job_id)
            if known is None or (known.kind == "failure" and item.kind == "output"):
                self.found[item.pending.job_id] = item


class Poller:
    def __init__(
        self,
        redis: RedisClient,
        settings: WorkerSettings,
        *,
        clients: ClientCache | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        self._redis = redis
        self._settings = settings
        self._clients = clients or ClientCache(settings)
        self._secrets = secrets or Secrets(settings.secret_prefix)
        self.store = PendingStore(redis, settings.job_ttl_seconds)
        self.checker = S3Checker(
            list_max_keys=settings.async_list_max_keys,
            forbidden_as_missing=settings.async_forbidden_as_missing,
            threads=settings.poller_threads,
            lean_get=settings.poller_lean_get,
        )
        self._pool = ThreadPoolExecutor(settings.poller_threads, thread_name_prefix="poller")
        self.posted = 0
        # job id → (invoked at, deadline, last seen): every pending inference is seen within a
        # backoff period, so the minimum over recent sightings is the oldest one still pending
        # (and the nearest deadline).
        self._seen: dict[str, tuple[float, float, float]] = {}
        self._access: dict[str, AwsAccess] = {}  # digest → resolved access (see _s3)
        # Per prefix, object keys already looked up (finished, or nobody's).
        self._settled: dict[tuple[str, str], set[str]] = {}
        self._noted_at = 0.0
        self._pruned_at = 0.0

    def run_once(self) -> int:
        """One pass over the due inferences; returns how many results it posted."""
        now = time.time()
        s = self._settings
        ids = self.store.claim(now, now + s.async_claim_seconds, s.async_batch)
        if not ids:
            self._note_oldest(now)
            return 0
        pendings, gone = self.store.load(ids)
        done = [p for p in pendings if p.state == JobState.DONE]
        live = [p for p in pendings if p.state != JobState.DONE]
        self.store.forget(done, gone)
        loaded = time.time()
        found = self._look(live)
        looked = time.time()
        posted = self._finish(found.found.values(), found.broken)
        finished = time.time()
        seen = set(found.found) | set(found.broken)
        still = [p for p in live if p.job_id not in seen]
        posted += self._reschedule_or_expire(still, now)
        for p in still:
            self._seen[p.job_id] = (p.invoked_at, p.deadline, now)
        for job_id in seen | {p.job_id for p in done}:
            self._seen.pop(job_id, None)
        self._note_oldest(now)
        self.posted += posted
        log.debug(
            "poller_pass",
            claimed=len(ids),
            posted=posted,
            seconds=round(time.time() - now, 3),
            # where the pass went: claiming and loading, S3 lookups, fetching and posting
            load_s=round(loaded - now, 3),
            look_s=round(looked - loaded, 3),
            finish_s=round(finished - looked, 3),
        )
        return posted

    def _note_oldest(self, now: float) -> None:
        if now - self._noted_at < _NOTE_EVERY:
            return
        self._noted_at = now
        if now - self._pruned_at >= _PRUNE_EVERY:
            self._pruned_at = now
            s = self._settings
            horizon = now - 1.5 * s.async_backoff_max - s.async_claim_seconds
            self._seen = {k: v for k, v in self._seen.items() if v[2] >= horizon}
        seen = self._seen.values()
        self.store.note_oldest(
            min(map(itemgetter(0), seen), default=None),
            min(map(itemgetter(1), seen), default=None),
        )

    # --- looking -----------------------------------------------------------------------
    def _look(self, pendings: list[Pending]) -> _Pass:
        groups: dict[tuple[str, str, str], list[tuple[Pending, str, str]]] = defaultdict(list)
        result = _Pass()
        for p in pendings:
            for kind, uri in (
                ("output", p.started.output_location),
                ("failure", p.started.failure_location),
            ):
                if uri:
                    bucket, prefix, key = prefix_of(uri)
                    groups[(p.access, bucket, prefix)].append((p, kind, key))
        futures = [self._pool.submit(self._look_group, k, v, result) for k, v in groups.items()]
        for f in futures:
            f.result()
        return result

    def _look_group(
        self, group: tuple[str, str, str], members: list[tuple[Pending, str, str]], out: _Pass
    ) -> None:
        digest, bucket, prefix = group
        try:
            s3 = self._s3(digest)
            listing = self.checker.list_prefix(s3, bucket, prefix, due=len(members))
            if listing is None:
                for p, kind, key in members:
                    size = self.checker.head(s3, bucket, key)
                    if size is not None:
                        out.add(_Found(p, kind, key, size))
                return
            mine = {key: (p, kind) for p, kind, key in members}
            for key, (p, kind) in mine.items():
                if key in listing:
                    out.add(_Found(p, kind, key, listing[key]))
            self._bonus(bucket, prefix, listing, mine, out)
        except SmqError as exc:
            if exc.retryable:
                log.warning("async_check_failed", bucket=bucket, prefix=prefix, error_code=exc.code)
                return
            with out.lock:
                out.broken.update({p.job_id: (p, exc) for p, _, _ in members})

    def _bonus(
        self, bucket: str, prefix: str, listing: dict[str, int], mine: dict[str, Any], out: _Pass
    ) -> None:
        """Objects in the listing that belong to pending inferences not due yet: finish them too.

        Each object is looked up once: a listing repeats every finished output of the prefix,
        and looking them all up again each pass made passes grow with the prefix.
        """
        settled = self._settled.setdefault((bucket, prefix), set())
        others = list(listing.keys() - settled - mine.keys())  # in C: 100,000 keys a pass
        owners = self.store.owners(bucket, prefix, others)
        if len(settled) > _MAX_SETTLED:
            settled.clear()  # bounded memory; costs one more lookup of each old object
        settled.update(others)  # an owner found now is finished below; later passes skip it
        if not owners:
            return
        pendings, _ = self.store.load(set(owners.values()))
        by_id = {p.job_id: p for p in pendings if p.state != JobState.DONE}
        for key, job_id in owners.items():
            p = by_id.get(job_id)
            if p is not None:
                is_output = p.started.output_location == f"s3://{bucket}/{key}"
                out.add(_Found(p, "output" if is_output else "failure", key, listing[key]))

    def _s3(self, digest: str) -> S3Client:
        """The S3 client for a job's access record. A digest names immutable content and the
        secrets come from this process's environment, so each is resolved once, not per job."""
        access = self._access.get(digest)
        if access is None:
            raw = self.store.access(digest)
            if raw is None:
                raise SmqError("the job's AWS access record expired", code="AccessRecordMissing")
            access = self._secrets.access(raw)
            if len(self._access) >= _MAX_ACCESS:
                self._access.clear()
            self._access[digest] = access
        return self._clients.s3(access)

    # --- finishing ---------------------------------------------------------------------
    def _finish(self, found: Any, broken: dict[str, tuple[Pending, SmqError]]) -> int:
        """Fetch what landed (in parallel), then post every result of the pass at once."""
        futures = [self._pool.submit(self._complete, item) for item in found]
        outcomes = [(item.pending, f.result()) for item, f in zip(found, futures, strict=True)]
        outcomes += [(p, completion.failed(p, error)) for p, error in broken.values()]
        return self._post([(p, r) for p, r in outcomes if r is not None])

    def _complete(self, item: _Found) -> Result | None:
        """The result for a landed object; None to look again later (a transient error)."""
        p = item.pending
        try:
            s3 = self._s3(p.access)
            bucket, _, key = prefix_of(
                p.started.output_location if item.kind == "output" else p.started.failure_location
            )
            cap = (
                self._settings.async_max_output_bytes
                if item.kind == "output"
                else completion.FAILURE_MESSAGE_CAP
            )
            body, content_type, size = self.checker.fetch(s3, bucket, key, cap, item.size)
            if item.kind == "failure":
                return completion.failure_result(p, (body or b"").decode("utf-8", "replace"))
            return completion.output_result(p, body, content_type, size)
        except SmqError as exc:
            return None if exc.retryable else completion.failed(p, exc)

    def _post(self, outcomes: list[tuple[Pending, Result]]) -> int:
        if not outcomes:
            return 0
        decided = [(p, completion.decided(p, r)) for p, r in outcomes]
        default = self._settings.result_stream
        entries = publish.post_many(
            self._redis, self._settings, [(r, p.reply_to or default) for p, r in decided]
        )
        self.store.forget([p for p, _ in decided])
        for (p, result), entry in zip(decided, entries, strict=True):
            log.info(
                "async_result_posted" if entry else "async_result_already_posted",
                job_id=p.job_id,
                status=result.status,
                error_code=result.error.code if result.error else None,
                inference_id=p.started.inference_id,
            )
        return sum(1 for e in entries if e)

    def _reschedule_or_expire(self, pendings: list[Pending], now: float) -> int:
        s = self._settings
        due: dict[str, float] = {}
        expired: list[tuple[Pending, Result]] = []
        for p in pendings:
            if now > p.deadline:
                expired.append((p, completion.timeout_result(p)))
                continue
            due[p.job_id] = now + check_interval(
                p.checks, s.async_backoff_initial, s.async_backoff_max
            )
        self.store.reschedule(due)
        return self._post(expired)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.checker.close()
