-- Save an instance if nobody saved it since we loaded it (compare-and-set on its version),
-- and index it, in one step: a save and its outbox / due entries never disagree.
-- Returns 1 when saved, 0 when the version moved (the caller reloads and applies again).
--   KEYS: instance hash, instances zset, outbox zset, due zset
--   ARGV: instance id, expected version ('' = a new instance), new version, now, state,
--         status, process, history, has new jobs ('1'/''), next due ('' = none),
--         seconds to keep a finished instance ('' = keep)
local current = redis.call('HGET', KEYS[1], 'version') or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[3], 'updated_at', ARGV[4], 'state', ARGV[5],
           'status', ARGV[6], 'process', ARGV[7], 'history', ARGV[8])
if ARGV[2] == '' then
  redis.call('HSET', KEYS[1], 'created_at', ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
if ARGV[9] == '1' then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1]) end
if ARGV[10] ~= '' then
  redis.call('ZADD', KEYS[4], ARGV[10], ARGV[1])
else
  redis.call('ZREM', KEYS[4], ARGV[1])
end
if ARGV[11] ~= '' then redis.call('EXPIRE', KEYS[1], ARGV[11]) end
return 1
