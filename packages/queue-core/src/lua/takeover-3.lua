--[[
  Take over setup from a leader whose setup heartbeat went stale (died or hung before populating).
  KEYS[1] meta  KEYS[2] staged  KEYS[3] staged-weights
  ARGV[3] machine  ARGV[4] stale limit in ms
  Returns JSON {role='leader', epoch} for exactly one caller once the heartbeat is older than the limit, else
  {role='follower', status} ('ready' tells a new leader there is nothing left to populate).
  Errors: QUEUE_LOST (the build's state is gone).
]]
local meta, staged, staged_weights = KEYS[1], KEYS[2], KEYS[3]
local machine, stale_ms = ARGV[3], tonumber(ARGV[4])
local now = now_ms()

local status = redis.call('HGET', meta, 'status')
if not status then return fail('QUEUE_LOST') end
if status == 'ready' then return cjson.encode({ role = 'follower', status = 'ready' }) end
if redis.call('HGET', meta, 'leader') == machine then
  return cjson.encode({ role = 'leader', epoch = hget_number(meta, 'epoch') })
end
if now - hget_number(meta, 'setup_at') < stale_ms then
  return cjson.encode({ role = 'follower', status = 'setup' })
end
-- The new epoch fences the old leader: its later stage/commit calls are refused, and what it staged is dropped
-- here, so a queue never mixes two leaders' lists.
redis.call('DEL', staged, staged_weights)
local epoch = redis.call('HINCRBY', meta, 'epoch', 1)
redis.call('HSET', meta, 'leader', machine, 'setup_at', now)
refresh_ttl()
return cjson.encode({ role = 'leader', epoch = epoch })
