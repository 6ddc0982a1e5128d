--[[
  Hand a leased entry back unrun (SIGTERM/SIGINT on its worker), without spending one of its attempts.
  KEYS[1] meta  KEYS[2] lease  KEYS[3] holder  KEYS[4] deadline  KEYS[5] started  KEYS[6] attempt  KEYS[7] queue
  KEYS[8] entries  KEYS[9] retry  KEYS[10] failed-by  KEYS[11] counters
  ARGV[3] entry  ARGV[4] lease id
  Returns 1 if released, 0 if the lease was no longer this caller's.
]]
local meta, lease_key, holder, deadline, started, attempt_key, queue, entries, retry, failed_by, counters =
  unpack(KEYS)
local entry = ARGV[3]
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
if redis.call('HGET', lease_key, entry) ~= ARGV[4] then return 0 end
redis.call('ZREM', deadline, entry)
redis.call('HDEL', lease_key, entry)
redis.call('HDEL', holder, entry)
redis.call('HDEL', started, entry)
redis.call('HINCRBY', attempt_key, entry, -1)
-- Back where it came from: a retry keeps its place among retries, a fresh entry its LPT position.
if redis.call('HEXISTS', failed_by, entry) == 1 then
  redis.call('ZADD', retry, 0, entry)
else
  redis.call('ZADD', queue, redis.call('ZSCORE', entries, entry), entry)
end
redis.call('HINCRBY', counters, 'released', 1)
refresh_ttl()
return 1
