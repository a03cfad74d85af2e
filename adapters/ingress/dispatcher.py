"""``smq ingress``: jobs any program XADDs to a stream, validated and submitted.

Entries are read as a member of a consumer group (several replicas share the stream), a
batch at a time: valid jobs go through ``Producer.submit_many`` (one round trip, idempotent
by id), invalid ones are answered with a failed result on their ``replyTo`` (or the
default result stream) and copied to the dead-letter stream, and the batch is acknowledged
last. A replica that dies before acknowledging leaves its entries pending; it takes them
back when it restarts under the same name, and any replica claims them after
``SMQ_INGRESS_CLAIM_IDLE_SECONDS``. Submitting them again queues nothing new. Each claim
round also trims what every group has acknowledged (``adapters.ingress.trim``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog
from redis.exceptions import RedisError, ResponseError

from adapters.ingress.settings import IngressSettings
from adapters.ingress.triage import Accepted, Rejected, triage
from adapters.ingress.trim import trim_acknowledged
from producer.connection import RedisClient
from producer.keys import DEAD_LETTER_STREAM, ID_FIELD, RESULT_FIELD, STATUS_FIELD
from producer.results import default_consumer_name
from producer.submit import Producer

log = structlog.get_logger(__name__)
Entries = list[tuple[str, dict[str, str]]]


@dataclass
class Counts:
    submitted: int = 0  # new jobs queued
    existing: int = 0  # ids already known: nothing queued
    rejected: int = 0


class Dispatcher:
    def __init__(
        self, redis: RedisClient, settings: IngressSettings, producer: Producer | None = None
    ) -> None:
        self._redis = redis
        self._s = settings
        self._producer = producer or Producer(redis, settings)
        self.consumer = settings.ingress_consumer or default_consumer_name()

    def run(self, stop: threading.Event) -> None:
        self._ensure_group()
        log.info("ingress_started", stream=self._s.ingress_stream, consumer=self.consumer)
        self.drain(self._read("0"))  # what this consumer had read before a restart
        last_claim = time.monotonic()
        while not stop.is_set():
            try:
                self.drain(self._read(">", block=True))
                if time.monotonic() - last_claim > self._s.ingress_claim_idle_seconds / 2:
                    self.drain(self._claim())
                    self.trim()
                    last_claim = time.monotonic()
            except RedisError as exc:
                log.warning("redis_unavailable", error=str(exc))
                stop.wait(self._s.ingress_block_seconds)
        log.info("ingress_stopped")

    def drain(self, entries: Entries) -> Counts:
        """Submit the valid jobs, answer the invalid ones, acknowledge all."""
        counts = Counts()
        if not entries:
            return counts
        verdicts = [triage(entry_id, fields, self._s.ingress_field) for entry_id, fields in entries]
        accepted = [v for v in verdicts if isinstance(v, Accepted)]
        rejected = [v for v in verdicts if isinstance(v, Rejected)]
        if accepted:
            submissions = self._producer.submit_many([a.document for a in accepted])
            counts.submitted = sum(1 for s in submissions if s.enqueued)
            counts.existing = len(submissions) - counts.submitted
        counts.rejected = len(rejected)
        self._answer_and_ack(rejected, [entry_id for entry_id, _ in entries])
        log.info("ingress_batch", **counts.__dict__)
        return counts

    def trim(self) -> int:
        """Delete what every group has acknowledged (``SMQ_INGRESS_TRIM``); entries gone."""
        if not self._s.ingress_trim:
            return 0
        trimmed = trim_acknowledged(self._redis, self._s.ingress_stream)
        if trimmed:
            log.info("ingress_trimmed", entries=trimmed)
        return trimmed

    def _answer_and_ack(self, rejected: list[Rejected], entry_ids: list[str]) -> None:
        """One MULTI: the answers, the dead letters and the acknowledgement land together,
        so a crash never answers an entry twice nor acknowledges one unanswered."""
        with self._redis.pipeline(transaction=True) as pipe:
            for r in rejected:
                result = r.result()
                pipe.xadd(
                    r.reply_to or self._s.result_stream,
                    {
                        ID_FIELD: result.id,
                        STATUS_FIELD: result.status,
                        RESULT_FIELD: result.model_dump_json(by_alias=True),
                    },
                )
                pipe.xadd(DEAD_LETTER_STREAM, self._dead_letter(r))
                log.warning("ingress_rejected", entry_id=r.entry_id, job_id=r.job_id,
                            reason=r.reason[:300])  # fmt: skip
            pipe.xack(self._s.ingress_stream, self._s.ingress_group, *entry_ids)
            pipe.execute()

    def _dead_letter(self, r: Rejected) -> dict[Any, Any]:
        return {
            "reason": f"invalid ingress entry: {r.reason}"[:1000],
            "stream": self._s.ingress_stream,
            "entry": r.entry_id,
            "item": r.raw,
            "time": repr(time.time()),
        }

    def _ensure_group(self) -> None:
        try:
            self._redis.xgroup_create(
                self._s.ingress_stream, self._s.ingress_group, id="0", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self, cursor: str, *, block: bool = False) -> Entries:
        reply: Any = self._redis.xreadgroup(
            self._s.ingress_group,
            self.consumer,
            {self._s.ingress_stream: cursor},
            count=self._s.ingress_batch,
            block=int(self._s.ingress_block_seconds * 1000) if block else None,
        )
        return [(i, f) for i, f in reply[0][1] if f is not None] if reply else []

    def _claim(self) -> Entries:
        """Entries another replica read and never acknowledged (it died)."""
        reply: Any = self._redis.xautoclaim(
            self._s.ingress_stream,
            self._s.ingress_group,
            self.consumer,
            int(self._s.ingress_claim_idle_seconds * 1000),
            "0-0",
            self._s.ingress_batch,
        )
        return [(i, f) for i, f in reply[1] if f is not None]
