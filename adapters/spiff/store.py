"""Process instances in Redis: one hash each, saved by compare-and-set on a version.

Any number of processes (``smq spiff start``, ``run`` replicas, ``retry``) may update the
same instance; a save that lost the race applies its change again to the fresh state, so
each change lands once and none is lost.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from adapters.spiff.keys import (
    DUE,
    INSTANCES,
    OUTBOX,
    InstanceField,
    instance_key,
)
from producer.connection import LuaScript, RedisClient

_SAVE = LuaScript.beside(__file__, "save.lua")
_OUTBOX_DONE = LuaScript.beside(__file__, "outbox_done.lua")
HISTORY_CAP = 100


@dataclass
class Record:
    """An instance as stored: its workflow JSON and what lists show without parsing it."""

    id: str
    process: str
    state: str
    version: str = ""  # "" until first saved
    status: str = "waiting"
    created_at: float = 0.0
    updated_at: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    def note(self, event: str, **fields: Any) -> None:
        self.history.append({"event": event, "at": round(time.time(), 3), **fields})
        del self.history[:-HISTORY_CAP]


class InstanceStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    def load(self, instance_id: str) -> Record | None:
        raw: Any = self._redis.hgetall(instance_key(instance_id))
        if not raw:
            return None
        return Record(
            id=instance_id,
            process=raw.get(InstanceField.PROCESS, ""),
            state=raw[InstanceField.STATE],
            version=raw.get(InstanceField.VERSION, ""),
            status=raw.get(InstanceField.STATUS, ""),
            created_at=float(raw.get(InstanceField.CREATED_AT, 0)),
            updated_at=float(raw.get(InstanceField.UPDATED_AT, 0)),
            history=json.loads(raw.get(InstanceField.HISTORY) or "[]"),
        )

    def save(
        self,
        record: Record,
        *,
        new_jobs: bool,
        next_due: float | None,
        expire: float | None = None,
    ) -> float | None:
        """Save if the stored version is still ``record.version``; returns the save's time
        (the outbox score when ``new_jobs``), or None when someone else saved first.
        ``expire``: seconds the instance is kept from now on (a finished one; 0: forever)."""
        now = time.time()
        version = str(int(record.version or 0) + 1)
        args = [
            record.id,
            record.version,
            version,
            repr(now),
            record.state,
            record.status,
            record.process,
            json.dumps(record.history, separators=(",", ":")),
            "1" if new_jobs else "",
            repr(next_due) if next_due is not None else "",
            str(max(1, round(expire))) if expire else "",
        ]
        keys = [instance_key(record.id), INSTANCES, OUTBOX, DUE]
        if not _SAVE(self._redis, keys, args):
            return None
        record.version, record.updated_at = version, now
        record.created_at = record.created_at or now
        return now

    def submitted(self, instance_id: str, saved_at: float) -> None:
        """The jobs of the save made at ``saved_at`` are on the queue."""
        _OUTBOX_DONE(self._redis, [OUTBOX], [instance_id, repr(saved_at)])

    def outbox_score(self, instance_id: str) -> float | None:
        score = self._redis.zscore(OUTBOX, instance_id)
        return float(score) if score is not None else None

    def unsubmitted(self, older_than: float, limit: int = 100) -> list[str]:
        """Instances whose jobs a save may not have submitted (its process died)."""
        found = self._redis.zrangebyscore(OUTBOX, "-inf", older_than, start=0, num=limit)
        return [str(i) for i in found]

    def prune(self, started_before: float, limit: int = 1000) -> int:
        """Drop from the index the instances started before ``started_before`` whose record
        has expired; how many."""
        found = self._redis.zrangebyscore(INSTANCES, "-inf", started_before, start=0, num=limit)
        ids = [str(i) for i in found]
        if not ids:
            return 0
        with self._redis.pipeline(transaction=False) as pipe:
            for instance_id in ids:
                pipe.exists(instance_key(instance_id))
            present = pipe.execute()
        gone = [i for i, there in zip(ids, present, strict=True) if not there]
        return int(self._redis.zrem(INSTANCES, *gone)) if gone else 0

    def due(self, now: float, limit: int = 100) -> list[str]:
        found = self._redis.zrangebyscore(DUE, "-inf", now, start=0, num=limit)
        return [str(i) for i in found]

    def listing(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The newest ``limit`` instances: id, process, status, times (no workflow)."""
        ids = [str(i) for i in self._redis.zrevrange(INSTANCES, 0, limit - 1)]
        fields = [
            InstanceField.PROCESS,
            InstanceField.STATUS,
            InstanceField.CREATED_AT,
            InstanceField.UPDATED_AT,
        ]
        with self._redis.pipeline(transaction=False) as pipe:
            for instance_id in ids:
                pipe.hmget(instance_key(instance_id), fields)
            rows = pipe.execute()
        return [
            {
                "id": instance_id,
                "process": process,
                "status": status,
                "createdAt": float(created or 0),
                "updatedAt": float(updated or 0),
            }
            for instance_id, (process, status, created, updated) in zip(ids, rows, strict=True)
            if status is not None
        ]
