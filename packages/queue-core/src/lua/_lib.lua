--[[
  Helpers prepended to every script by scripts/gen-lua.mjs (so no script repeats them).
  Every script takes ARGV[1] = key TTL in ms and ARGV[2] = clock override in ms ('' = Redis TIME; tests inject a
  clock, production never does). Replies are JSON strings; errors are 'SHARDLESS_<CODE>' (mapped in errors.ts).
]]
local ttl_ms = tonumber(ARGV[1])

local function now_ms()
  if ARGV[2] ~= '' then return tonumber(ARGV[2]) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Every key a write touches gets its TTL refreshed, so no build state outlives the TTL (ci-queue #280).
local function refresh_ttl()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl_ms) end
end

local function fail(code)
  return redis.error_reply('SHARDLESS_' .. code)
end

local function hget_number(key, field)
  return tonumber(redis.call('HGET', key, field) or '0')
end

-- Idempotent retries: a caller (one worker slot) sends one mutating request at a time, so remembering its last
-- reply lets a retry after a lost reply (timeout, reset) get the same answer instead of a second lease or a
-- spurious 'stale'.
local function cached_reply(replies_key, caller, request_id)
  local stored = redis.call('HGET', replies_key, caller)
  if stored then
    local sep = string.find(stored, '\n', 1, true)
    if sep and string.sub(stored, 1, sep - 1) == request_id then return string.sub(stored, sep + 1) end
  end
  return nil
end

local function remember_reply(replies_key, caller, request_id, reply)
  redis.call('HSET', replies_key, caller, request_id .. '\n' .. reply)
  refresh_ttl()
  return reply
end

-- A finish (ack or requeue) from a lease that is no longer current: logged as a dropped duplicate that never
-- reaches the report, and answered 'stale'.
local function refuse_stale(log, counters, replies, caller, request_id, record)
  record.stale = true
  redis.call('RPUSH', log, cjson.encode(record))
  redis.call('HINCRBY', counters, 'stale', 1)
  return remember_reply(replies, caller, request_id, cjson.encode({ status = 'stale' }))
end
