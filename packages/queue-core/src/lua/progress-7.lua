--[[
  Count where the build stands (read-only).
  KEYS[1] meta  KEYS[2] queue  KEYS[3] retry  KEYS[4] deadline  KEYS[5] outcome  KEYS[6] counters  KEYS[7] workers
  ARGV[3] liveness window in ms (a worker seen within it counts as live)
  Returns JSON {total, pending, leased, done, passed, failed, skipped, lost, requeued, stale, expired, liveWorkers,
  cancelled?}.
  Errors: QUEUE_LOST.
]]
local meta, queue, retry, deadline, outcome, counters, workers = unpack(KEYS)
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
return cjson.encode({ total = hget_number(meta, 'total'),
  pending = redis.call('ZCARD', queue) + redis.call('ZCARD', retry), leased = redis.call('ZCARD', deadline),
  done = redis.call('HLEN', outcome), passed = hget_number(counters, 'passed'),
  failed = hget_number(counters, 'failed'), skipped = hget_number(counters, 'skipped'),
  lost = hget_number(counters, 'lost'), requeued = hget_number(counters, 'requeued'),
  stale = hget_number(counters, 'stale'), expired = hget_number(counters, 'expired'),
  liveWorkers = redis.call('ZCOUNT', workers, now_ms() - tonumber(ARGV[3]), '+inf'),
  cancelled = redis.call('HGET', meta, 'cancelled') })
