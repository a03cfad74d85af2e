"""kombu's Redis transport, hardened against items it cannot read.

Stock kombu pops a queue item and parses it as JSON inside the worker's event loop: one
non-JSON item (pushed by a foreign producer, or a bug) raises out of the loop and stops the
worker with "Unrecoverable error". Here an unreadable item is moved to the dead-letter stream
with the reason instead, and the worker carries on. Its QoS also begins a job message's jobs in
the round trip that records the message as unacknowledged (``worker/received.py``). Everything
else is kombu's own code path.
"""

from __future__ import annotations

import base64
import json
import re
import time
from queue import Empty  # what kombu's channels raise for 'nothing to read'
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps
from redis.exceptions import NoScriptError

from producer.contract import JOB_ID_PATTERN
from producer.errors import InputError
from producer.keys import DEAD_LETTER_STREAM
from worker import publish
from worker.received import RECEIVED
from worker.settings import get_worker_settings
from worker.store import BEGIN, as_begun, begin_calls

# Raw items kept in the dead-letter stream are cut to this size.
MAX_DEAD_ITEM = 64 * 1024
_DEAD_LETTER_MAXLEN = 100_000


def check_envelope(item: bytes | str) -> dict[str, Any]:
    """The message, if ``item`` is a kombu envelope with a decodable JSON body; else ValueError."""
    message = json.loads(bytes_to_str(item))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    props = message.get("properties")
    if not isinstance(props, dict) or not isinstance(message.get("headers"), dict):
        raise ValueError("no properties/headers: not a kombu message")
    if "delivery_tag" not in props or not isinstance(props.get("delivery_info", {}), dict):
        raise ValueError("no delivery_tag: not a kombu message")
    if message.get("content-type") != "application/json":
        raise ValueError(f"content-type {message.get('content-type')!r} is not application/json")
    body = message.get("body")
    if not isinstance(body, str):
        raise ValueError("body is not a string")
    if props.get("body_encoding") == "base64":
        body = base64.b64decode(body, validate=True).decode()
    json.loads(body)
    return message


class QoS(kombu_redis.QoS):
    """kombu's unacked bookkeeping, with a job message's begin in the same round trip
    (``worker/received.py``). ``append`` is kombu's, fingerprinted like the channel's."""

    def append(self, message: Any, delivery_tag: str) -> None:
        wanted = _wanted(message)
        if wanted is None:
            super().append(message, delivery_tag)
            return
        task_id, ids = wanted
        delivery = message.delivery_info
        sha = BEGIN.ensure_loaded(self.channel.client)  # type: ignore[attr-defined]
        with self.pipe_or_acquire() as pipe:
            pipe.zadd(self.unacked_index_key, {delivery_tag: time.time()})
            pipe.hset(self.unacked_key, delivery_tag, dumps([message._raw, *_route(delivery)]))
            for keys, args in begin_calls(ids):
                pipe.evalsha(sha, len(keys), *keys, *args)
            results = pipe.execute(raise_on_error=False)
            for recorded in results[:2]:  # kombu's own commands fail as in kombu
                if isinstance(recorded, Exception):
                    raise recorded
            virtual.QoS.append(self, message, delivery_tag)
        records = results[2:]
        if any(isinstance(r, NoScriptError) for r in records):
            BEGIN.sha = None  # Redis restarted: loaded again for the next message
        if not any(isinstance(r, Exception) for r in records):
            decoded = [[publish.as_text(v) for v in record] for record in records]
            RECEIVED.put(task_id, ids, as_begun(ids, decoded))
        # else the task begins its jobs itself (a job whose begin did run then counts one
        # attempt more: a failed script call here is a Redis fault, not a path of its own)


def _wanted(message: Any) -> tuple[str, tuple[str, ...]] | None:
    try:
        payload = message.decode()  # kept by the message: Celery's request reads it again
    except Exception:  # Celery reports an undecodable message itself
        return None
    return RECEIVED.wanted(message.headers, payload)


def _route(delivery: dict[str, Any]) -> tuple[str, str]:
    return delivery["exchange"], delivery["routing_key"]


class Channel(kombu_redis.Channel):
    """kombu's Redis channel with three methods replaced and its QoS's ``append`` (pinned and
    fingerprinted: see ``tests/unit/test_kombu_fingerprint.py``). The ``type: ignore`` lines
    reach internals that the kombu stubs do not declare; everything else is type-checked."""

    QoS = QoS

    def _create_client(self, asynchronous: bool = False) -> Any:
        """One client object per channel for the pooled (non-BRPOP) commands.

        kombu builds a new ``redis.Redis`` for every ack, publish and unacked-bookkeeping call;
        with redis-py 8 each construction costs ~100 µs (it rebuilds a callbacks table), which
        made client construction the largest single cost of the worker's event loop. The
        client is thread-safe and holds no connection of its own, so sharing it is safe.
        """
        if asynchronous:
            return super()._create_client(asynchronous=True)  # type: ignore[misc]
        cached = self.__dict__.get("_smq_client")
        # Read _pool, not the pool property: while a lost connection is being closed the
        # property would try to build a new pool from connection info that is already gone
        # (AttributeError, which Celery treats as unrecoverable). The old client then just
        # fails with a connection error, which kombu handles.
        pool = self._pool  # type: ignore[attr-defined]
        if cached is not None and (pool is None or cached.connection_pool is pool):
            return cached
        cached = super()._create_client(asynchronous=False)  # type: ignore[misc]
        self.__dict__["_smq_client"] = cached
        return cached

    def _brpop_read(self, **options: Any) -> bool:
        try:
            try:
                dest_item = self.client.parse_response(self.client.connection, "BRPOP", **options)
            except self.connection_errors:  # type: ignore[attr-defined]
                self.client.connection.disconnect()
                raise
            if not dest_item:
                raise Empty()
            dest, item = dest_item
            dest = bytes_to_str(dest).rsplit(self.sep, 1)[0]
            self._queue_cycle.rotate(dest)  # type: ignore[attr-defined]
            message = self._readable(dest, item)
            if message is None:
                raise Empty()
            self.connection._deliver(message, dest)
            return True
        finally:
            self._in_poll = None
            # kombu's own: the BRPOP connection is idle now, the moment to re-authenticate.
            self._flush_brpop_reauth()  # type: ignore[attr-defined]

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        with self.conn_or_acquire() as client:
            for pri in self.priority_steps:
                item = client.rpop(self._q_for_pri(queue, pri))  # type: ignore[attr-defined]
                if item:
                    message = self._readable(queue, item)
                    if message is not None:
                        return message
            raise Empty()

    def _readable(self, queue: str, item: bytes) -> dict[str, Any] | None:
        try:
            return check_envelope(item)
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            self._dead_letter(queue, item, exc)
            return None

    def _dead_letter(self, queue: str, item: bytes, exc: Exception) -> None:
        with self.conn_or_acquire() as client:
            client.xadd(
                DEAD_LETTER_STREAM,
                {
                    "reason": f"unreadable queue item: {type(exc).__name__}: {exc}"[:1000],
                    "queue": queue,
                    "item": bytes(item[:MAX_DEAD_ITEM]),
                    "time": repr(time.time()),
                },
                maxlen=_DEAD_LETTER_MAXLEN,
                approximate=True,
            )
        kombu_redis.crit("unreadable queue item moved to %s: %s", DEAD_LETTER_STREAM, exc)
        job_id = _readable_id(item)
        if job_id is not None:
            self._answer(job_id, exc)

    def _answer(self, job_id: str, exc: Exception) -> None:
        """A failed result for an unreadable message that still names its job."""
        error = InputError(
            f"the job's queue message could not be read: {exc}"[:1000], code="UnreadableMessage"
        )
        with self.conn_or_acquire() as client:
            publish.answer_unrun(client, get_worker_settings(), [job_id], error)


def _readable_id(item: bytes) -> str | None:
    """The job id in an envelope that parses as JSON but cannot be delivered, if any."""
    try:
        message = json.loads(bytes_to_str(item))
        job_id = message["headers"]["id"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    return job_id if isinstance(job_id, str) and re.match(JOB_ID_PATTERN, job_id) else None


class Transport(kombu_redis.Transport):
    Channel = Channel
