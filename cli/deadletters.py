"""Dead letters as a person reads them: when, why, and which jobs they name.

Two kinds share one shape here. The queue's (``smq:dead-letter``): items no worker could read,
with the raw ``item`` (often a kombu envelope whose ``headers.id`` or body names job ids).
A result stream's (``<stream>:dead``): result entries no consumer could finish, with the
job ``id``. Entries are read raw: a dead item need not be UTF-8.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from redis.client import NEVER_DECODE

from producer.connection import RedisClient
from producer.contract import JOB_ID_PATTERN
from producer.results import iso_time

_PAGE = 1000


@dataclass(frozen=True)
class DeadLetter:
    entry_id: str
    reason: str
    queue: str | None
    job_ids: list[str]

    @property
    def time(self) -> float:
        """When it was dead-lettered: a stream entry id starts with its milliseconds."""
        return int(self.entry_id.split("-", 1)[0]) / 1000

    def row(self) -> dict[str, Any]:
        return {
            "entry": self.entry_id,
            "time": iso_time(self.time),
            "ageSeconds": round(time.time() - self.time, 1),
            "reason": self.reason,
            "queue": self.queue,
            "jobIds": self.job_ids,
        }


def read(redis: RedisClient, stream: str, *, last: int = 0) -> list[DeadLetter]:
    """The ``last`` newest entries (0: all), oldest first."""
    if last > 0:
        raw = _raw(redis, "XREVRANGE", stream, "+", "-", "COUNT", last)
        return [_letter(e) for e in reversed(raw)]
    letters: list[DeadLetter] = []
    start = "-"
    while page := _raw(redis, "XRANGE", stream, start, "+", "COUNT", _PAGE):
        letters += [_letter(e) for e in page]
        start = "(" + letters[-1].entry_id
    return letters


def find(redis: RedisClient, stream: str, entry_ids: list[str]) -> dict[str, DeadLetter]:
    """The entries with these ids that exist."""
    found: dict[str, DeadLetter] = {}
    for entry_id in entry_ids:
        raw = _raw(redis, "XRANGE", stream, entry_id, entry_id)
        if raw:
            found[entry_id] = _letter(raw[0])
    return found


def _raw(redis: RedisClient, *command: Any) -> Any:
    """A command whose reply stays bytes: a dead item need not be UTF-8."""
    return redis.execute_command(*command, **{NEVER_DECODE: True})  # type: ignore[no-untyped-call]


def _letter(entry: Any) -> DeadLetter:
    entry_id, flat = entry
    fields = {_text(k): v for k, v in _pairs(flat)}
    queue = fields.get("queue")
    return DeadLetter(
        entry_id=_text(entry_id),
        reason=_text(fields.get("reason", b"")),
        queue=_text(queue) if queue is not None else None,
        job_ids=job_ids(fields),
    )


def _pairs(flat: Any) -> list[tuple[Any, Any]]:
    if isinstance(flat, dict):  # RESP3 gives a map, RESP2 a flat list
        return list(flat.items())
    return list(zip(flat[::2], flat[1::2], strict=True))


def job_ids(fields: dict[str, Any]) -> list[str]:
    """The jobs an entry names: a result entry's ``id``; a queue item's message body ids
    (a bulk message carries several), else its task id."""
    if "item" not in fields:
        job_id = _text(fields.get("id", b""))
        return [job_id] if _is_job_id(job_id) else []
    try:
        message = json.loads(fields["item"])
        headers = message.get("headers") or {}
    except (ValueError, AttributeError):  # not JSON, or not an object: names nothing
        return []
    from_body = _body_ids(message.get("body"))
    if from_body:
        return from_body
    task_id = headers.get("id") if isinstance(headers, dict) else None
    # A bulk message's task id is its own ("batch-…"), not a job's.
    if isinstance(task_id, str) and _is_job_id(task_id) and not task_id.startswith("batch-"):
        return [task_id]
    return []


def _body_ids(body: Any) -> list[str]:
    """The ids of a Celery protocol-2 body ``[[ids…], {}, {…}]``, base64 or not."""
    if not isinstance(body, str):
        return []
    for text in (body, _b64(body)):
        try:
            args = json.loads(text)[0]
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        if isinstance(args, list) and args and all(_is_job_id(a) for a in args):
            return list(args)
    return []


def _b64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


def _is_job_id(value: Any) -> bool:
    return isinstance(value, str) and re.match(JOB_ID_PATTERN, value) is not None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
