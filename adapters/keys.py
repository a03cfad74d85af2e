"""Every Redis key the adapters add, in one place (the queue's own are in
``producer.keys``); the scripts that change a record are the ``.lua`` files beside
``records.py``.

One small hash per engine job, ``smq:engine:<cluster prefix>:<job key>``, kept for the queue's job
TTL: which queue job is the current attempt of that engine job, and how far its outcome has
got to the engine. It is what tells a re-activation after a crash (re-attach to the queued
job: the model is not invoked again) from one after a reported failure (a new attempt).
"""

from __future__ import annotations

from enum import StrEnum

RECORD_PREFIX = "smq:engine:"


def record_key(cluster: str, job_key: str) -> str:
    return f"{RECORD_PREFIX}{cluster}:{job_key}"


class RecordField(StrEnum):
    JOB = "job"  # queue job id of the current attempt: "<prefix>:<job key>:<attempt>"
    ATTEMPT = "attempt"  # attempts started for this engine job (1, 2, ...)
    STATE = "state"  # see RecordState
    RETRIES = "retries"  # the engine job's retries when this attempt was activated
    OWNER = "owner"  # the replica reporting the outcome, while it holds the lease
    LEASE = "lease"  # unix seconds until which OWNER may report undisturbed
    KIND = "kind"  # complete | error | fail: the outcome being (or last) reported
    SENT = "sent"  # fail: the retries the engine was told the job keeps
    HOW = "how"  # reported | gone | conflict | rejected: how reporting ended


class RecordState(StrEnum):
    ACTIVE = "active"  # queued or running; its result is still to come
    REPORTING = "reporting"  # an outcome is on its way to the engine
    REPORTED = "reported"  # the engine has the outcome (or no longer has the job)
