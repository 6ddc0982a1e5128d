--[[
  Read the setup state (read-only).
  KEYS[1] meta
  Returns JSON {status='absent'} or {status, epoch, leader, setupAgeMs, digest, total, cancelled}.
]]
local meta = KEYS[1]
local status = redis.call('HGET', meta, 'status')
if not status then return cjson.encode({ status = 'absent' }) end
return cjson.encode({ status = status, epoch = hget_number(meta, 'epoch'), leader = redis.call('HGET', meta, 'leader'),
  setupAgeMs = now_ms() - hget_number(meta, 'setup_at'), digest = redis.call('HGET', meta, 'digest'),
  total = hget_number(meta, 'total'), cancelled = redis.call('HGET', meta, 'cancelled') })
