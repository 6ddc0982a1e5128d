--[[
  Give a failed entry back so another worker retries it alone, within the per-entry and build-wide budgets.
  KEYS[1] meta  KEYS[2] lease  KEYS[3] holder  KEYS[4] deadline  KEYS[5] started  KEYS[6] retry  KEYS[7] failed-by
  KEYS[8] requeues  KEYS[9] counters  KEYS[10] log  KEYS[11] replies
  ARGV[3] worker  ARGV[4] caller  ARGV[5] request id  ARGV[6] entry  ARGV[7] lease id  ARGV[8] duration ms
  ARGV[9] failure payload  ARGV[10] attempt  ARGV[11] 1 if the lease was a retry
  Returns JSON {status='requeued'}, {status='exhausted'} (no budget left: the caller still holds the lease and
  acks the failure), or {status='stale'}.
  Errors: QUEUE_LOST.
]]
local meta, lease_key, holder, deadline, started, retry, failed_by, requeues, counters, log, replies = unpack(KEYS)
local worker, caller, request_id, entry, lease = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]

local cached = cached_reply(replies, caller, request_id)
if cached then return cached end
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
local now = now_ms()
local record = { entry = entry, lease = tonumber(lease), worker = worker, caller = caller, outcome = 'requeued',
  durationMs = tonumber(ARGV[8]), attempt = tonumber(ARGV[10]), retry = ARGV[11] == '1', at = now }

-- A stale holder must not requeue an entry that now belongs to someone else (ci-queue #12).
if redis.call('HGET', lease_key, entry) ~= lease then
  return refuse_stale(log, counters, replies, caller, request_id, record)
end
if hget_number(requeues, entry) >= hget_number(meta, 'max_requeues')
    or hget_number(requeues, '__total__') >= hget_number(meta, 'requeue_budget') then
  return remember_reply(replies, caller, request_id, cjson.encode({ status = 'exhausted' }))
end

redis.call('HINCRBY', requeues, entry, 1)
redis.call('HINCRBY', requeues, '__total__', 1)
record.startedAt = tonumber(redis.call('HGET', started, entry))
redis.call('ZREM', deadline, entry)
redis.call('HDEL', lease_key, entry)
redis.call('HDEL', holder, entry)
redis.call('HDEL', started, entry)
redis.call('ZADD', retry, redis.call('HINCRBY', counters, 'retry_seq', 1), entry)
redis.call('HSET', failed_by, entry, (redis.call('HGET', failed_by, entry) or ',') .. worker .. ',')
redis.call('HINCRBY', counters, 'requeued', 1)
record.payload = ARGV[9]
redis.call('RPUSH', log, cjson.encode(record))
return remember_reply(replies, caller, request_id, cjson.encode({ status = 'requeued' }))
