--[[
  The setup leader proves it is alive while it discovers and stages entries.
  KEYS[1] meta
  ARGV[3] epoch
  Returns 1 while this epoch still leads setup, 0 once deposed or setup is over (stop heartbeating).
]]
local meta = KEYS[1]
local now = now_ms()
if redis.call('HGET', meta, 'status') ~= 'setup' or hget_number(meta, 'epoch') ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', meta, 'setup_at', now)
refresh_ttl()
return 1
