-- Take the right to report a queue job's outcome. Refused when the job is not the current
-- attempt ('stale': a later attempt exists), its outcome is reported ('done'), the record is
-- gone ('missing'), or another replica holds an unexpired lease ('busy'); a lease that ran out
-- (its replica died mid-report) is taken over. Records the kind and the retries a failure
-- will send ('' → the retries as activated minus one), which ATTACH_LUA reads.
--   KEYS: record.  ARGV: queue job id, owner, now, lease until, kind, sent, ttl.
--   Returns {verdict, retries as activated}.
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
