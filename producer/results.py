"""Reading results: the engine's consumer-group reader and a waiter for specific jobs.

Results arrive on a Redis Stream, at least once. ``ResultConsumer`` acknowledges an entry
only after the caller has handled it (when it asks for the next one), re-reads its own
unacknowledged entries after a restart, and drops duplicates by job id.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from redis.exceptions import ResponseError

from producer.connection import RedisClient
from producer.contract import Result
from producer.keys import RESULT_DEAD_LETTER_SUFFIX, RESULT_FIELD, JobField, job_key

# Moved to producer/status.py; imported from here by existing callers.
from producer.status import service_status as service_status

log = structlog.get_logger(__name__)

DEFAULT_GROUP = "smq-adapters"
DEAD_LETTER_SUFFIX = RESULT_DEAD_LETTER_SUFFIX


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class _SeenIds:
    """The last ``size`` job ids handed out, to drop redelivered duplicates."""

    def __init__(self, size: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, job_id: str) -> bool:
        """True when ``job_id`` is new."""
        if job_id in self._ids:
            return False
        self._ids[job_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


class ResultConsumer:
    """Iterates results of one stream as a member of a consumer group."""

    def __init__(
        self,
        redis: RedisClient,
        stream: str,
        *,
        group: str = DEFAULT_GROUP,
        consumer: str | None = None,
        block_ms: int = 2000,
        batch: int = 100,
        claim_idle_ms: int = 60_000,
        max_deliveries: int = 5,
    ) -> None:
        self._redis = redis
        self.stream = stream
        self.dead_letter_stream = stream + DEAD_LETTER_SUFFIX
        self.group = group
        self.consumer = consumer or default_consumer_name()
        self._block_ms = block_ms
        self._batch = batch
        self._claim_idle_ms = claim_idle_ms
        self._max_deliveries = max_deliveries
        self._seen = _SeenIds()

    def ensure_group(self) -> None:
        """Create the group (from the stream's start, so no earlier result is missed)."""
        try:
            self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def results(self, *, follow: bool = False) -> Iterator[Result]:
        """Yield results; each is acknowledged when the caller asks for the next one.

        Starts with this consumer's own unacknowledged entries (a previous run that died),
        then new ones. Without ``follow`` it stops when no entry arrives within the block time.
        """
        self.ensure_group()
        yield from self._recover()
        last_recovery = time.monotonic()
        while True:
            entries = self._read(">", block=True)
            if not entries and not follow:
                return
            yield from self._handle(entries)
            if time.monotonic() - last_recovery > self._claim_idle_ms / 1000:
                yield from self._recover()
                last_recovery = time.monotonic()

    def _recover(self) -> Iterator[Result]:
        """Entries left unacknowledged: this consumer's own (a previous run died), then those
        idle too long at other consumers (XAUTOCLAIM). An entry delivered ``max_deliveries``
        times (it keeps killing its consumer) goes to the dead-letter stream instead."""
        self._bury_poison()
        while entries := self._read("0", block=False):
            yield from self._handle(entries)
        cursor = "0-0"
        while True:
            reply: Any = self._redis.xautoclaim(
                self.stream, self.group, self.consumer, self._claim_idle_ms, cursor, self._batch
            )
            cursor, entries = reply[0], [e for e in reply[1] if e and e[1] is not None]
            yield from self._handle(entries)
            if cursor in ("0-0", b"0-0"):
                return

    def _bury_poison(self) -> None:
        pending: Any = self._redis.xpending_range(self.stream, self.group, "-", "+", 1000)
        for entry in pending:
            if entry["times_delivered"] < self._max_deliveries:
                continue
            entry_id = entry["message_id"]
            found: Any = self._redis.xrange(self.stream, entry_id, entry_id)
            fields = dict(found[0][1]) if found else {}
            reason = f"delivered {entry['times_delivered']} times without acknowledgement"
            self._redis.xadd(
                self.dead_letter_stream, {**fields, "reason": reason, "entry": entry_id}
            )
            self._redis.xack(self.stream, self.group, entry_id)
            log.warning("result_dead_lettered", stream=self.stream, entry_id=entry_id)

    def _handle(self, entries: list[tuple[str, dict[str, str]]]) -> Iterator[Result]:
        for entry_id, fields in entries:
            result = self._decode(entry_id, fields)
            if result is not None and self._seen.add(result.id):
                yield result
            self._redis.xack(self.stream, self.group, entry_id)

    def _read(self, cursor: str, *, block: bool) -> list[tuple[str, dict[str, str]]]:
        reply: Any = self._redis.xreadgroup(
            self.group,
            self.consumer,
            {self.stream: cursor},
            count=self._batch,
            block=self._block_ms if block else None,
        )
        return list(reply[0][1]) if reply else []

    def _decode(self, entry_id: str, fields: dict[str, str]) -> Result | None:
        try:
            return Result.model_validate_json(fields[RESULT_FIELD])
        except (KeyError, ValidationError):
            log.warning("result_entry_unreadable", stream=self.stream, entry_id=entry_id)
            return None


def stream_tail(redis: RedisClient, stream: str) -> str:
    """The id of the stream's last entry ("0-0" when empty), to read only what comes after."""
    last = redis.xrevrange(stream, count=1)
    return str(last[0][0]) if last else "0-0"


def wait_for(
    redis: RedisClient,
    pending: dict[str, str],
    cursors: dict[str, str],
    *,
    timeout: float,
    tick: Callable[[], None] | None = None,
    new: Collection[str] = (),
) -> Iterator[Result]:
    """Yield the results of ``pending`` (job id → stream) as they arrive, until ``timeout``.

    Reads the streams without a consumer group, from ``cursors`` (taken before submitting,
    or before looking the jobs up), so waiting never takes entries away from the engine's
    consumers. Jobs already done (a resubmitted id) are answered from their stored result,
    looked up in one round trip; ``new`` names jobs this caller enqueued after taking the
    cursors, whose results can only come after them (no lookup). ``tick`` is called after
    every read, at least once a second, results or not.
    """
    remaining = dict(pending)
    fresh = set(new)
    looked_up = [job_id for job_id in remaining if job_id not in fresh]
    if looked_up:
        with redis.pipeline(transaction=False) as pipe:
            for job_id in looked_up:
                pipe.hget(job_key(job_id), JobField.RESULT)
            stored_raw = pipe.execute()
        for job_id, raw in zip(looked_up, stored_raw, strict=True):
            if raw:
                del remaining[job_id]
                yield Result.model_validate_json(raw)
    deadline = time.monotonic() + timeout
    cursors = dict(cursors)
    while remaining and (left := deadline - time.monotonic()) > 0:
        streams = {s: cursors[s] for s in set(remaining.values())}
        block_ms = max(1, int(min(left, 1.0) * 1000))
        reply: Any = redis.xread(streams, count=500, block=block_ms)  # type: ignore[arg-type]
        for stream, entries in reply or []:
            for entry_id, fields in entries:
                cursors[stream] = entry_id
                if remaining.pop(fields.get("id", ""), None) is not None:
                    yield Result.model_validate_json(fields[RESULT_FIELD])
        if tick is not None:
            tick()


def tail(
    redis: RedisClient, stream: str, *, last: int, follow: bool = False, block_ms: int = 1000
) -> Iterator[tuple[str, Result | None]]:
    """The stream's ``last`` entries, then (``follow``) new ones as they come, as
    (entry id, result; None when the entry is not a readable result).

    XREVRANGE/XREAD only: no consumer group is involved, nothing is acknowledged, so looking
    never takes a result away from the engine's adapters.
    """
    newest: Any = redis.xrevrange(stream, count=last) if last > 0 else []
    cursor = str(newest[0][0]) if newest else stream_tail(redis, stream)
    for entry_id, fields in reversed(newest):
        yield str(entry_id), _readable(fields)
    while follow:
        reply: Any = redis.xread({stream: cursor}, count=500, block=block_ms)
        for _, entries in reply or []:
            for entry_id, fields in entries:
                cursor = str(entry_id)
                yield cursor, _readable(fields)


def _readable(fields: dict[str, str]) -> Result | None:
    try:
        return Result.model_validate_json(fields[RESULT_FIELD])
    except (KeyError, ValidationError):
        return None


def stored_result(redis: RedisClient, job_id: str) -> Result | None:
    raw = redis.hget(job_key(job_id), JobField.RESULT)
    return Result.model_validate_json(raw) if raw else None


def job_status(redis: RedisClient, job_id: str) -> dict[str, Any] | None:
    """What is known about a job, without its document (which may hold credentials).

    Times are ISO-8601 (UTC); ``ttlSeconds`` is how long the record is still kept.
    """
    record = redis.hgetall(job_key(job_id))
    if not record:
        return None
    status: dict[str, Any] = {"id": job_id}
    for field in JobField:
        if field is JobField.DOC or field not in record:
            continue
        value: Any = record[field]
        if field is JobField.RESULT:
            value = json.loads(value)
        elif field in (JobField.ATTEMPTS, JobField.CHECKS):
            value = int(value)
        elif field is JobField.DEADLINE or field.value.endswith("_at"):
            value = iso_time(float(value))
        status[_camel(field.value)] = value
    status["ttlSeconds"] = redis.ttl(job_key(job_id))
    return status


def iso_time(timestamp: float) -> str:
    """Unix seconds → ``2026-11-30T12:00:00.123Z``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
