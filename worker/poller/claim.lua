-- Claim due pending inferences: move them a lease into the future, so no other poller takes
-- them now and a crashed poller's claims fall due again when the lease runs out.
--   KEYS: due zset.  ARGV: now, lease until, limit.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
