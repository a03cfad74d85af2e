"""Every Redis key, field and script the service uses, in one place.

A job lives in one hash, ``smq:job:<id>``, from submission until ``job_ttl_seconds`` after it.
The Celery message carries only the job id: payloads and credentials stay in Redis, out of the
broker message that Flower displays.
"""

from __future__ import annotations

from enum import StrEnum

JOB_PREFIX = "smq:job:"
TASK_NAME = "smq.run_job"
# Queue items no worker could read, with the reason (fields: reason, queue, item, time).
DEAD_LETTER_STREAM = "smq:dead-letter"


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


class JobState(StrEnum):
    QUEUED = "queued"
    INVOKING = "invoking"
    DONE = "done"


# Enqueue one job if its id is new: the hash and the Celery message are written together, so a
# job is never queued without its document nor stored without being queued. Returns 1 when
# enqueued, 0 when the id already exists (idempotent resubmission).
#   KEYS: job hash, queue list.  ARGV: doc, message, ttl, now, endpoint, reply_to.
ENQUEUE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'state', 'queued', 'submitted_at', ARGV[4],
           'endpoint', ARGV[5], 'reply_to', ARGV[6], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
"""

# Post a result exactly once per job: the stream entry and the job's final state are written
# together, and a job already done posts nothing (a redelivered message after a crash between
# posting and acking). Returns the stream entry id, or false when the job was already done.
#   KEYS: job hash, result stream.  ARGV: result json, status, now, maxlen, ttl, job id.
POST_RESULT_LUA = """
if redis.call('HGET', KEYS[1], 'state') == 'done' then return false end
local entry = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
                         'id', ARGV[6], 'status', ARGV[2], 'result', ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[1], 'finished_at', ARGV[3],
           'stream_id', entry)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return entry
"""

# Mark a job as being invoked and count the attempt; returns what the worker needs in one
# round trip: {doc, state, attempts, reply_to}. A job already done is returned untouched.
#   KEYS: job hash.  ARGV: now.
BEGIN_LUA = """
local rec = redis.call('HMGET', KEYS[1], 'doc', 'state', 'attempts', 'reply_to')
if rec[2] == 'done' or not rec[1] then return rec end
redis.call('HSET', KEYS[1], 'state', 'invoking', 'started_at', ARGV[1])
rec[2] = 'invoking'
rec[3] = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return rec
"""

# Stream entry fields.
RESULT_FIELD = "result"
ID_FIELD = "id"
STATUS_FIELD = "status"
