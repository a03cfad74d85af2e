"""Every Redis key, field and script the service uses, in one place.

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
# digest → "bucket/prefix": a pending job stores "<digest>:<object name>", not the full URI,
# which keeps its hash in Redis's compact encoding (values up to 64 bytes).
ASYNC_PREFIXES = "smq:async:prefixes"
_ASYNC_LOCATIONS = "smq:async:loc:"
_ACCESS = "smq:async:access:"


def locations_key(bucket: str, prefix: str) -> str:
    """Hash of object key → job id for pending inferences under one S3 prefix, so one listing
    of the prefix answers for all of them."""
    return f"{_ASYNC_LOCATIONS}{bucket}/{prefix}"


def access_key(digest: str) -> str:
    """The (unresolved) AWS access variables shared by the pending jobs with that digest."""
    return _ACCESS + digest


# Jobs whose message is on the queue and not yet taken by a worker (score: when queued).
# kombu's Redis transport pops a message (BRPOP) before recording it as unacked; a
# connection lost in between (a Redis restart) loses the message. Jobs left here longer than
# the visibility timeout are queued again (worker.retry.requeue_stale); the job's state
# makes any duplicate message a no-op.
QUEUED = "smq:queued"

# Enqueue new jobs behind one message (one job, or a group from a bulk submission), all or
# nothing: the hashes and the Celery message are written together, so a job is never queued
# without its document nor stored without being queued. Returns 1 when enqueued; 0, writing
# nothing, when any id already exists (idempotent resubmission; the producer then enqueues a
# group's jobs one by one, so each existing id is skipped on its own).
#   KEYS: queue list, queued zset, the job hashes.  ARGV: message, ttl, now, then per job:
#   doc, endpoint, reply_to, job id.
ENQUEUE_LUA = """
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 3, #KEYS do
  local a = 4 + (i - 3) * 4
  redis.call('HSET', KEYS[i], 'doc', ARGV[a], 'state', 'queued', 'submitted_at', ARGV[3],
             'endpoint', ARGV[a + 1], 'reply_to', ARGV[a + 2], 'attempts', 0)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[a + 3])
end
redis.call('LPUSH', KEYS[1], ARGV[1])
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
# round trip: {doc, state, attempts, reply_to, staged_input}. A job already done, or whose
# asynchronous inference is running, is returned untouched. It leaves the QUEUED set.
#   KEYS: job hash, queued zset.  ARGV: now, job id.
BEGIN_LUA = """
redis.call('ZREM', KEYS[2], ARGV[2])
local rec = redis.call('HMGET', KEYS[1], 'doc', 'state', 'attempts', 'reply_to', 'staged_input')
if rec[2] == 'done' or rec[2] == 'invoked' or not rec[1] then return rec end
redis.call('HSET', KEYS[1], 'state', 'invoking', 'started_at', ARGV[1])
rec[2] = 'invoking'
rec[3] = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return rec
"""

# Claim due pending inferences: move them a lease into the future, so no other poller takes
# them now and a crashed poller's claims fall due again when the lease runs out.
#   KEYS: due zset.  ARGV: now, lease until, limit.
CLAIM_LUA = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
"""

# Move due retries onto the queue, atomically, so a retry is never both lost and queued.
#   KEYS: retry zset, queue list, queued zset.  ARGV: now, limit.
MOVE_DUE_RETRIES_LUA = """
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, m in ipairs(items) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('LPUSH', KEYS[2], m)
  redis.call('ZADD', KEYS[3], ARGV[1], cjson.decode(m)['headers']['id'])
end
return #items
"""

# Claim jobs queued longer than the visibility timeout and still not started while the queue
# is empty: their message is gone (see QUEUED). A job merely waiting in a backlog is skipped
# (queue not empty), and a prefetched one starts within a read timeout, which the visibility
# timeout exceeds. The claim moves the score to now: one re-queue per timeout at most.
#   KEYS: queued zset, queue list.  ARGV: older than, now, limit, job key prefix.
#   Returns the job ids to queue again.
CLAIM_STALE_LUA = """
if redis.call('LLEN', KEYS[2]) > 0 then return {} end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local stale = {}
for _, id in ipairs(ids) do
  local state = redis.call('HGET', ARGV[4] .. id, 'state')
  if state == 'queued' or state == 'retrying' then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(stale, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return stale
"""

# Stream entry fields.
RESULT_FIELD = "result"
ID_FIELD = "id"
STATUS_FIELD = "status"
