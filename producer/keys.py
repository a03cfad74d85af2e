"""Every Redis key and job field a client reads or writes, in one place.

A job lives in one hash, ``smq:job:<id>``, from submission until ``job_ttl_seconds`` after it.
The Celery message carries only the job id: payloads and credentials stay in Redis, out of the
broker message that Flower displays.
"""

from __future__ import annotations

from enum import StrEnum

JOB_PREFIX = "smq:job:"
TASK_NAME = "smq.run_job"
# Most job ids one task message may carry (SMQ_BATCH_SIZE is capped at it); a message with
# more is not ours and gets a MalformedMessage result.
MAX_IDS_PER_MESSAGE = 64
# Retries waiting for their time: member = the ready Celery message, score = when it is due.
# Waiting happens here, not in a Celery countdown: on Redis an ETA beyond the visibility
# timeout gets the task run several times (kombu #337).
RETRY_DUE = "smq:retry"
# Queue items no worker could read, with the reason (fields: reason, queue, item, time).
DEAD_LETTER_STREAM = "smq:dead-letter"
# Result entries no consumer could finish go to "<result stream>:dead".
RESULT_DEAD_LETTER_SUFFIX = ":dead"


def job_key(job_id: str) -> str:
    return JOB_PREFIX + job_id


class JobField(StrEnum):
    """Fields of the job hash."""

    DOC = "doc"  # the job document as submitted (JSON)
    STATE = "state"  # see JobState
    ENDPOINT = "endpoint"
    REPLY_TO = "reply_to"
    SUBMITTED_AT = "submitted_at"  # unix seconds, float
    STARTED_AT = "started_at"
    FINISHED_AT = "finished_at"
    ATTEMPTS = "attempts"
    RESULT = "result"  # the Result (JSON), once done
    STREAM_ID = "stream_id"  # id of the result's entry on the result stream
    # Asynchronous inferences, once started:
    STAGED_INPUT = "staged_input"  # s3:// URI an inline body was uploaded to
    OUTPUT = "out"  # "<prefix digest>:<object name>" of the output location
    FAILURE = "fail"  # the same for the failure location
    CONTEXT = "ctx"  # JobContext JSON: all a pending job keeps of its document
    INFERENCE_ID = "inference_id"
    INVOKED_AT = "invoked_at"
    DEADLINE = "deadline"  # unix seconds after which the inference is given up
    CHECKS = "checks"  # S3 checks made so far (drives the backoff)
    ACCESS = "access"  # digest of the job's AWS access variables (see access_key)
    LAST_ERROR = "last_error"  # code of the last retryable failure
    NEXT_ATTEMPT_AT = "next_attempt_at"


class JobState(StrEnum):
    QUEUED = "queued"
    INVOKING = "invoking"
    RETRYING = "retrying"  # a retryable failure; the next attempt waits in RETRY_DUE
    INVOKED = "invoked"  # an asynchronous inference is running; the poller tracks it
    DONE = "done"


# Pending asynchronous inferences. The poller claims due entries from ASYNC_DUE (score: next
# check, unix seconds) and records the start time of the oldest one it has seen lately in
# ASYNC_OLDEST (every pending inference is looked at within SMQ_ASYNC_BACKOFF_MAX x 1.5).
ASYNC_DUE = "smq:async:due"
ASYNC_OLDEST = "smq:async:oldest"
# The nearest deadline (unix seconds) among the pending inferences the poller has seen lately,
# noted with ASYNC_OLDEST each pass; `smq exporter` reports the time left before it.
ASYNC_DEADLINE = "smq:async:deadline"
# Jobs whose message is on the queue and not yet taken by a worker (score: when queued).
# kombu's Redis transport pops a message (BRPOP) before recording it as unacked; a
# connection lost in between (a Redis restart) loses the message. Jobs left here longer than
# the visibility timeout are queued again (worker.retry.requeue_stale); the job's state
# makes any duplicate message a no-op.
QUEUED = "smq:queued"

# Liveness, one sorted set per role: member "<hostname>:<pid>" of each worker process and
# poller, score = the Redis server's clock (TIME) at its last beat, so a reader on another host
# compares ages on the same clock. Beats come every HEARTBEAT_INTERVAL seconds
# (worker/heartbeat.py); `smq health` and `smq exporter` read them. A process that stops
# removes its member; a killed one ages out and is pruned by the next beat of any process.
HEARTBEAT_PREFIX = "smq:heartbeats:"
HEARTBEAT_INTERVAL = 5.0
# A process counts as alive while its last beat is younger than this: six beats, so a slow
# beat (a busy process, a Redis failover) is no false alarm, and a hung one shows in seconds.
HEARTBEAT_MAX_AGE = 30.0


class Role(StrEnum):
    """What a heartbeat says is alive."""

    WORKER = "worker"
    POLLER = "poller"


def heartbeats_key(role: Role) -> str:
    return HEARTBEAT_PREFIX + role


# Stream entry fields.
RESULT_FIELD = "result"
ID_FIELD = "id"
STATUS_FIELD = "status"
