-- Claim jobs queued longer than the visibility timeout and still not started while the queue
-- is empty: their message is gone (see QUEUED). A job merely waiting in a backlog is skipped
-- (queue not empty), and a prefetched one starts within a read timeout, which the visibility
-- timeout exceeds. The claim moves the score to now: one re-queue per timeout at most.
--   KEYS: queued zset, queue list.  ARGV: older than, now, limit, job key prefix.
--   Returns the job ids to queue again.
if redis.call('LLEN', KEYS[2]) > 0 then return {} end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local stale = {}
for _, id in ipairs(ids) do
  local state = redis.call('HGET', ARGV[4] .. id, 'state')
  if state == 'queued' or state == 'retrying' then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(stale, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return stale
