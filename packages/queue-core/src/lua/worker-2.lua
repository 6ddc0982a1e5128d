--[[
  The worker registry: liveness for requeue placement and the report's dead-machine detection.
  KEYS[1] workers (zset: worker -> last heartbeat ms)  KEYS[2] worker-info (hash: worker -> JSON)
  ARGV[3] worker  ARGV[4] 'alive' or 'exited'  ARGV[5] info JSON ('' keeps the stored one)
  Returns 1.
]]
local workers, info = KEYS[1], KEYS[2]
local worker = ARGV[3]
if ARGV[4] == 'alive' then
  redis.call('ZADD', workers, now_ms(), worker)
else
  redis.call('ZREM', workers, worker)
end
if ARGV[5] ~= '' then redis.call('HSET', info, worker, ARGV[5]) end
refresh_ttl()
return 1
