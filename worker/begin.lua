-- Mark a job as being invoked and count the attempt; returns what the worker needs in one
-- round trip: {doc, state, attempts, reply_to, staged_input}. A job already done, or whose
-- asynchronous inference is running, is returned untouched. It leaves the QUEUED set.
--   KEYS: job hash, queued zset.  ARGV: now, job id.
redis.call('ZREM', KEYS[2], ARGV[2])
local rec = redis.call('HMGET', KEYS[1], 'doc', 'state', 'attempts', 'reply_to', 'staged_input')
if rec[2] == 'done' or rec[2] == 'invoked' or not rec[1] then return rec end
redis.call('HSET', KEYS[1], 'state', 'invoking', 'started_at', ARGV[1])
rec[2] = 'invoking'
rec[3] = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return rec
