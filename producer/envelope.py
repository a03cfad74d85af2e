"""Celery task messages for the one-round-trip enqueue: Celery builds the message, we wrap it.

``app.send_task`` costs one Redis round trip per message and cannot be made conditional on the
job id being new, so the producer writes the queue item itself, inside ``enqueue.lua``. The
task message is Celery's own (``app.amqp.as_task_v2``, protocol 2); what this module adds is
kombu's Redis envelope around it — the transport's storage format: the body serialized by
kombu and base64-encoded, plus the delivery properties kombu's ``basic_publish`` would set.
A unit test round-trips the result through kombu and Celery's decoder. Only job ids travel:
Flower shows task arguments.

A message carries one job id, or several when a producer submits many jobs at once: Celery
spends about as much CPU on one message as botocore on one call, so a bulk submission shares
that cost out (see ``Settings.batch_size``).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import uuid
from collections.abc import Sequence

from celery import Celery
from kombu.serialization import dumps

from producer.keys import TASK_NAME

_ORIGIN = f"smq-producer@{socket.gethostname()}:{os.getpid()}"
# An app only for building messages: it is never connected to a broker.
_APP = Celery("smq-producer", set_as_current=False)


def task_message(job_ids: str | Sequence[str], queue: str) -> str:
    """The Redis list item for one ``smq.run_job(*job_ids)`` message on ``queue``.

    A one-job message is the job's own task (task id = job id, as Flower shows it); a batch
    gets a task id of its own.
    """
    ids = [job_ids] if isinstance(job_ids, str) else list(job_ids)
    task_id = ids[0] if len(ids) == 1 else f"batch-{uuid.uuid4()}"
    message = _APP.amqp.as_task_v2(
        task_id,
        TASK_NAME,
        args=tuple(ids),
        origin=_ORIGIN,
        ignore_result=True,
        # What Flower shows as the arguments. Celery's default, saferepr, costs 45 µs a
        # message, most of the build; plain repr is exact for a tuple of short strings.
        argsrepr=repr(tuple(ids)),
        kwargsrepr="{}",
    )
    content_type, content_encoding, body = dumps(message.body, serializer="json")
    envelope = {
        "body": base64.b64encode(body.encode() if isinstance(body, str) else body).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": message.headers,
        "properties": {
            **message.properties,
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            # kombu keys its unacked-message bookkeeping by this tag: unique per message.
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return json.dumps(envelope, separators=(",", ":"))
