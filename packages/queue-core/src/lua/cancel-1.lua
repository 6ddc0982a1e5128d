--[[
  Stop the whole build: every later reserve answers done.
  KEYS[1] meta
  ARGV[3] reason
  Returns the reason in force (the first one wins).
  Errors: QUEUE_LOST.
]]
local meta = KEYS[1]
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
redis.call('HSETNX', meta, 'cancelled', ARGV[3])
refresh_ttl()
return redis.call('HGET', meta, 'cancelled')
