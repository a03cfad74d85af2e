"""Every Redis key the SpiffWorkflow adapter uses (beside ``producer.keys``, the queue's).

An instance is one hash, ``smq:spiff:instance:<id>``; three sorted sets index instances:
all of them by start time, those whose last save may not have submitted its jobs yet
(the outbox), and those with a job to submit again later (a jobError's backoff).
"""

from __future__ import annotations

from enum import StrEnum

INSTANCE_PREFIX = "smq:spiff:instance:"
# Every instance, by start time (unix seconds): `smq spiff list`.
INSTANCES = "smq:spiff:instances"
# Instances saved with new jobs, by the time of that save; the save's process removes its
# entry once the jobs are submitted. An entry older than SMQ_SPIFF_OUTBOX_GRACE_SECONDS
# is a process that died in between: `smq spiff run` submits that instance's jobs again
# (submission is idempotent by job id, so a job already queued is not queued twice).
OUTBOX = "smq:spiff:outbox"
# Instances with a task to activate later (jobError with retries and a backoff), by when.
DUE = "smq:spiff:due"


def instance_key(instance_id: str) -> str:
    return INSTANCE_PREFIX + instance_id


class InstanceField(StrEnum):
    STATE = "state"  # SpiffWorkflow's serialized workflow (JSON)
    VERSION = "version"  # bumped by every save; a save expecting another version fails
    STATUS = "status"  # waiting | completed | error | cancelled, as of the last save
    PROCESS = "process"  # BPMN process id
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    HISTORY = "history"  # JSON list of the instance's job events, newest last (capped)
