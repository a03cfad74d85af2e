"""Celery task messages built by hand, so a job and its message go to Redis in one round trip.

``app.send_task`` costs one Redis round trip per message and cannot be made conditional on the
job id being new. The Redis transport stores a message as the JSON of kombu's envelope around a
Celery protocol-2 body; we write exactly that (a unit test round-trips it through kombu and
Celery's own decoder). Only job ids travel: Flower shows task arguments.

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

from producer.keys import TASK_NAME

_ORIGIN = f"smq-producer@{socket.gethostname()}:{os.getpid()}"
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


def task_message(job_ids: str | Sequence[str], queue: str) -> str:
    """The Redis list item for one ``smq.run_job(*job_ids)`` message on ``queue``.

    A one-job message is the job's own task (task id = job id, as Flower shows it); a batch
    gets a task id of its own.
    """
    ids = [job_ids] if isinstance(job_ids, str) else list(job_ids)
    task_id = ids[0] if len(ids) == 1 else f"batch-{uuid.uuid4()}"
    body = json.dumps([ids, {}, _EMBED], separators=(",", ":")).encode()
    envelope = {
        "body": base64.b64encode(body).decode("ascii"),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py",
            "task": TASK_NAME,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": repr(tuple(ids)),
            "kwargsrepr": "{}",
            "origin": _ORIGIN,
            "ignore_result": True,
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        },
        "properties": {
            "correlation_id": task_id,
            "reply_to": "",
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            # kombu keys its unacked-message bookkeeping by this tag: unique per message.
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return json.dumps(envelope, separators=(",", ":"))
