-- The engine has the outcome (or no longer has the job): only if still the current attempt.
--   KEYS: record.  ARGV: queue job id, how, ttl.
if redis.call('HGET', KEYS[1], 'job') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'reported', 'how', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner', 'lease')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
