"""Every Redis key and script the adapters add, in one place (the queue's own are in
``producer.keys``).

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


# An activation of an engine job: re-attach to the current attempt, or start a new one.
# Re-attach when the attempt is still active (the engine timed the job out: its worker died
# or was slow), or when an outcome was being reported that cannot have reached the engine —
# a completion or BPMN error would have ended the job, and a failure would have left it with
# the retries it sent. Anything else (an outcome reported; an operator raising the retries
# of an incident) is a new attempt, which invokes the model again.
#   KEYS: record.  ARGV: queue job id base, retries as activated, ttl.
#   Returns {queue job id, 1 if a new attempt else 0, attempt}.
ATTACH_LUA = """
local r = redis.call('HMGET', KEYS[1], 'job', 'attempt', 'state', 'retries', 'kind', 'sent')
local attach = r[3] == 'active'
if r[3] == 'reporting' then
  attach = r[5] ~= 'fail' or (ARGV[2] == r[4] and r[6] ~= r[4])
end
if attach then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return {r[1], 0, tonumber(r[2])}
end
local attempt = tonumber(r[2] or '0') + 1
local job = ARGV[1] .. ':' .. attempt
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'job', job, 'attempt', attempt, 'state', 'active',
           'retries', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {job, 1, attempt}
"""

# Take the right to report a queue job's outcome. Refused when the job is not the current
# attempt ('stale': a later attempt exists), its outcome is reported ('done'), the record is
# gone ('missing'), or another replica holds an unexpired lease ('busy'); a lease that ran out
# (its replica died mid-report) is taken over. Records the kind and the retries a failure
# will send ('' → the retries as activated minus one), which ATTACH_LUA reads.
#   KEYS: record.  ARGV: queue job id, owner, now, lease until, kind, sent, ttl.
#   Returns {verdict, retries as activated}.
CLAIM_LUA = """
local r = redis.call('HMGET', KEYS[1], 'job', 'state', 'owner', 'lease', 'retries')
if not r[1] then return {'missing', 0} end
if r[1] ~= ARGV[1] then return {'stale', 0} end
if r[2] == 'reported' then return {'done', 0} end
if r[2] == 'reporting' and r[3] ~= ARGV[2] and tonumber(r[4]) > tonumber(ARGV[3]) then
  return {'busy', 0}
end
local retries = tonumber(r[5])
local sent = ARGV[6]
if sent == '' then sent = tostring(math.max(0, retries - 1)) end
redis.call('HSET', KEYS[1], 'state', 'reporting', 'owner', ARGV[2], 'lease', ARGV[4],
           'kind', ARGV[5], 'sent', sent)
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {'ok', retries}
"""

# The engine has the outcome (or no longer has the job): only if still the current attempt.
#   KEYS: record.  ARGV: queue job id, how, ttl.
FINISH_LUA = """
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'reported', 'how', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner', 'lease')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
