--[[
  A leader that cannot finish setup steps down so another machine takes over at once instead of after the
  stale limit.
  KEYS[1] meta
  ARGV[3] epoch
  Returns 1 if this epoch resigned, 0 if it had already lost its term (it must not act for the new leader).
]]
local meta = KEYS[1]
if redis.call('HGET', meta, 'status') ~= 'setup' or hget_number(meta, 'epoch') ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', meta, 'leader', '', 'setup_at', 0)
refresh_ttl()
return 1
