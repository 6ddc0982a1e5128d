--[[
  Lease the next work for one worker slot: a reclaimed expired lease, else a requeued failure, else a batch of
  fresh entries in LPT order.
  KEYS[1] meta  KEYS[2] queue  KEYS[3] retry  KEYS[4] failed-by  KEYS[5] lease  KEYS[6] holder  KEYS[7] deadline
  KEYS[8] started  KEYS[9] attempt  KEYS[10] outcome  KEYS[11] counters  KEYS[12] log  KEYS[13] workers
  KEYS[14] replies
  ARGV[3] worker  ARGV[4] caller  ARGV[5] request id  ARGV[6] batch size  ARGV[7] lease ms
  Returns JSON {status='leased', leases=[{entry, lease, attempt, retry}]}, {status='wait', retryInMs} while others
  hold leases or a retry waits for another worker, or {status='done', cancelled?} when nothing is left.
  Errors: QUEUE_LOST, NOT_READY.
]]
local meta, queue, retry, failed_by, lease_key, holder, deadline, started, attempt_key, outcome, counters, log,
  workers, replies = unpack(KEYS)
local worker, caller, request_id = ARGV[3], ARGV[4], ARGV[5]
local batch, lease_ms = tonumber(ARGV[6]), tonumber(ARGV[7])

local cached = cached_reply(replies, caller, request_id)
if cached then return cached end
local status = redis.call('HGET', meta, 'status')
if not status then return fail('QUEUE_LOST') end
if status ~= 'ready' then return fail('NOT_READY') end
local now = now_ms()

local function reply(value)
  return remember_reply(replies, caller, request_id, cjson.encode(value))
end

local cancelled = redis.call('HGET', meta, 'cancelled')
if cancelled then return reply({ status = 'done', cancelled = cancelled }) end

-- Lease ids come from one counter per build, so a reclaimed entry never gets a lease id its old holder had.
local function grant(entry, is_retry)
  local lease = redis.call('HINCRBY', counters, 'lease_seq', 1)
  local attempt = redis.call('HINCRBY', attempt_key, entry, 1)
  redis.call('HSET', lease_key, entry, lease)
  redis.call('HSET', holder, entry, worker)
  redis.call('HSET', started, entry, now)
  redis.call('ZADD', deadline, now + lease_ms, entry)
  return { entry = entry, lease = lease, attempt = attempt, retry = is_retry }
end

-- 1. Expired leases: their holder stopped heartbeating (killed, partitioned, paused). The first one still within
-- its attempt budget is re-leased alone; one that ran out of attempts is finished as lost.
local max_attempts = hget_number(meta, 'max_attempts')
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', deadline, '-inf', now, 'LIMIT', 0, 64)) do
  local attempt = hget_number(attempt_key, entry)
  redis.call('RPUSH', log, cjson.encode({ entry = entry, lease = hget_number(lease_key, entry),
    worker = redis.call('HGET', holder, entry), outcome = 'expired', attempt = attempt, at = now,
    startedAt = hget_number(started, entry) }))
  redis.call('HINCRBY', counters, 'expired', 1)
  if attempt < max_attempts then
    return reply({ status = 'leased', leases = { grant(entry, true) } })
  end
  redis.call('ZREM', deadline, entry)
  redis.call('HDEL', lease_key, entry)
  redis.call('HDEL', holder, entry)
  redis.call('HDEL', started, entry)
  redis.call('HSET', outcome, entry, 'lost')
  redis.call('HINCRBY', counters, 'lost', 1)
  redis.call('RPUSH', log, cjson.encode({ entry = entry, outcome = 'lost', attempt = attempt, at = now }))
end

-- 2. Requeued failures, retried alone by a worker that has not failed them, unless no such worker is alive.
local retries = redis.call('ZRANGE', retry, 0, 63)
if #retries > 0 then
  local live = redis.call('ZRANGEBYSCORE', workers, now - lease_ms, '+inf')
  for _, entry in ipairs(retries) do
    local failed = redis.call('HGET', failed_by, entry) or ','
    local eligible = not string.find(failed, ',' .. worker .. ',', 1, true)
    if not eligible then
      eligible = true
      for _, other in ipairs(live) do
        if not string.find(failed, ',' .. other .. ',', 1, true) then eligible = false end
      end
    end
    if eligible then
      redis.call('ZREM', retry, entry)
      return reply({ status = 'leased', leases = { grant(entry, true) } })
    end
  end
end

-- 3. Fresh entries, longest first.
local popped = redis.call('ZPOPMIN', queue, batch)
if #popped > 0 then
  local leases = {}
  for i = 1, #popped, 2 do table.insert(leases, grant(popped[i], false)) end
  return reply({ status = 'leased', leases = leases })
end

-- 4. Nothing to hand out: wait while leases may still expire or a retry waits for another worker.
if redis.call('ZCARD', deadline) > 0 or redis.call('ZCARD', retry) > 0 then
  local first = redis.call('ZRANGE', deadline, 0, 0, 'WITHSCORES')
  local retry_in = lease_ms
  if first[2] then retry_in = math.max(0, tonumber(first[2]) - now) end
  return reply({ status = 'wait', retryInMs = retry_in })
end
return reply({ status = 'done' })
