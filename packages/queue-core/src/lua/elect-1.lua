--[[
  Elect the leader of a build's setup, or learn who it is.
  KEYS[1] meta
  ARGV[3] machine
  Returns JSON {role='leader', epoch} for the first caller (and for the same machine asking again while it still
  leads setup: a retried SET-NX must not lose the election, ci-queue #327), else {role='follower', status}.
]]
local meta = KEYS[1]
local machine = ARGV[3]
local now = now_ms()

local status = redis.call('HGET', meta, 'status')
if not status then
  local epoch = redis.call('HINCRBY', meta, 'epoch', 1)
  redis.call('HSET', meta, 'status', 'setup', 'leader', machine, 'setup_at', now, 'created_at', now)
  refresh_ttl()
  return cjson.encode({ role = 'leader', epoch = epoch })
end
if status == 'setup' and redis.call('HGET', meta, 'leader') == machine then
  return cjson.encode({ role = 'leader', epoch = hget_number(meta, 'epoch') })
end
return cjson.encode({ role = 'follower', status = status })
