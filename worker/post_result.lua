-- Post a result exactly once per job: the stream entry and the job's final state are written
-- together, and a job already done posts nothing (a redelivered message after a crash between
-- posting and acking). Returns the stream entry id, or false when the job was already done.
--   KEYS: job hash, result stream.  ARGV: result json, status, now, maxlen, ttl, job id.
if redis.call('HGET', KEYS[1], 'state') == 'done' then return false end
local entry = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
                         'id', ARGV[6], 'status', ARGV[2], 'result', ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[1], 'finished_at', ARGV[3],
           'stream_id', entry)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return entry
