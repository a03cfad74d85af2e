-- Move due retries onto the queue, atomically, so a retry is never both lost and queued.
--   KEYS: retry zset, queue list, queued zset.  ARGV: now, limit.
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, m in ipairs(items) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('LPUSH', KEYS[2], m)
  redis.call('ZADD', KEYS[3], ARGV[1], cjson.decode(m)['headers']['id'])
end
return #items
