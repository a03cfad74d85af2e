-- Enqueue new jobs behind one message (one job, or a group from a bulk submission), all or
-- nothing: the hashes and the Celery message are written together, so a job is never queued
-- without its document nor stored without being queued. Returns 1 when enqueued; 0, writing
-- nothing, when any id already exists (idempotent resubmission; the producer then enqueues a
-- group's jobs one by one, so each existing id is skipped on its own).
--   KEYS: queue list, queued zset, the job hashes.  ARGV: message, ttl, now, then per job:
--   doc, endpoint, reply_to, job id.
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 3, #KEYS do
  local a = 4 + (i - 3) * 4
  redis.call('HSET', KEYS[i], 'doc', ARGV[a], 'state', 'queued', 'submitted_at', ARGV[3],
             'endpoint', ARGV[a + 1], 'reply_to', ARGV[a + 2], 'attempts', 0)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[a + 3])
end
redis.call('LPUSH', KEYS[1], ARGV[1])
return 1
