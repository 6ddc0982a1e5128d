--[[
  Record the final result of a leased entry.
  KEYS[1] meta  KEYS[2] lease  KEYS[3] holder  KEYS[4] deadline  KEYS[5] started  KEYS[6] outcome  KEYS[7] result
  KEYS[8] counters  KEYS[9] log  KEYS[10] replies
  ARGV[3] worker  ARGV[4] caller  ARGV[5] request id  ARGV[6] entry  ARGV[7] lease id  ARGV[8] outcome
  ('passed' | 'failed' | 'skipped')  ARGV[9] duration ms  ARGV[10] result payload  ARGV[11] attempt
  ARGV[12] 1 if the lease was a retry
  Returns JSON {status='ok', cancelled?} or {status='stale'}: the lease was reclaimed (or the entry already
  finished), so this result is logged as a dropped duplicate and never reaches the report.
  Errors: QUEUE_LOST.
]]
local meta, lease_key, holder, deadline, started, outcome, result, counters, log, replies = unpack(KEYS)
local worker, caller, request_id, entry, lease = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local result_outcome = ARGV[8]

local cached = cached_reply(replies, caller, request_id)
if cached then return cached end
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
local now = now_ms()
local record = { entry = entry, lease = tonumber(lease), worker = worker, caller = caller, outcome = result_outcome,
  durationMs = tonumber(ARGV[9]), attempt = tonumber(ARGV[11]), retry = ARGV[12] == '1', at = now }

-- Only the current lease id may finish the entry: a stale holder's result (often a timeout-induced failure) must
-- not win over the real holder's (ci-queue §7.4).
if redis.call('HGET', lease_key, entry) ~= lease then
  return refuse_stale(log, counters, replies, caller, request_id, record)
end

record.startedAt = tonumber(redis.call('HGET', started, entry))
redis.call('ZREM', deadline, entry)
redis.call('HDEL', lease_key, entry)
redis.call('HDEL', holder, entry)
redis.call('HDEL', started, entry)
redis.call('HSET', outcome, entry, result_outcome)
redis.call('HSET', result, entry, ARGV[10])
redis.call('HINCRBY', counters, result_outcome, 1)
redis.call('RPUSH', log, cjson.encode(record))

local cancelled = redis.call('HGET', meta, 'cancelled')
local max_failures = hget_number(meta, 'max_failures')
if not cancelled and result_outcome == 'failed' and max_failures > 0
    and hget_number(counters, 'failed') >= max_failures then
  cancelled = 'max-failures'
  redis.call('HSET', meta, 'cancelled', cancelled)
end
return remember_reply(replies, caller, request_id, cjson.encode({ status = 'ok', cancelled = cancelled }))
