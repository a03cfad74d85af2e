-- An activation of an engine job: re-attach to the current attempt, or start a new one.
-- Re-attach when the attempt is still active (the engine timed the job out: its worker died
-- or was slow), or when an outcome was being reported that cannot have reached the engine —
-- a completion or BPMN error would have ended the job, and a failure would have left it with
-- the retries it sent. Anything else (an outcome reported; an operator raising the retries
-- of an incident) is a new attempt, which invokes the model again.
--   KEYS: record.  ARGV: queue job id base, retries as activated, ttl.
--   Returns {queue job id, 1 if a new attempt else 0, attempt}.
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
