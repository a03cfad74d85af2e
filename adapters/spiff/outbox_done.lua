-- The jobs of the save made at ARGV[2] are submitted: drop the instance's outbox entry,
-- unless a later save (another score) added jobs that may not be submitted yet.
--   KEYS: outbox zset   ARGV: instance id, the save's time (as given to save.lua)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
