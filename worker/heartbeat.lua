-- A process's heartbeat, stamped with Redis's own clock: `smq health` and `smq exporter`
-- compare ages against TIME too, so hosts with skewed clocks still agree.
-- KEYS[1]  the role's sorted set (smq:heartbeats:<role>)
-- ARGV[1]  member "<hostname>:<pid>"
-- ARGV[2]  drop members whose last beat is older than this many seconds (processes long gone)
-- ARGV[3]  expiry of the set, seconds (a deployment removed leaves nothing behind)
-- One script so the stamp and the write agree; it returns nothing.
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 0
