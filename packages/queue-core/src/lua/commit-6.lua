--[[
  Publish the staged entry list as the build's queue, atomically, with the build-wide policy.
  KEYS[1] meta  KEYS[2] staged  KEYS[3] staged-weights  KEYS[4] entries  KEYS[5] weights  KEYS[6] queue
  ARGV[3] epoch  ARGV[4] digest  ARGV[5] total  ARGV[6] max requeues per entry  ARGV[7] global requeue budget
  ARGV[8] max failures (0 = off)  ARGV[9] max attempts per entry  ARGV[10] max test ms (0 = no cap)
  Returns 'ready' (also for a retry of this epoch's own commit).
  Errors: QUEUE_LOST, DEPOSED (a newer epoch leads, or another list is already ready), EMPTY_QUEUE,
  STAGE_INCOMPLETE (fewer staged entries than total: a chunk was lost).
]]
local meta, staged, staged_weights, entries, weights, queue = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local epoch, digest, total = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local now = now_ms()

local status = redis.call('HGET', meta, 'status')
if not status then return fail('QUEUE_LOST') end
if status == 'ready' then
  if hget_number(meta, 'epoch') == epoch and redis.call('HGET', meta, 'digest') == digest then return 'ready' end
  return fail('DEPOSED')
end
if hget_number(meta, 'epoch') ~= epoch then return fail('DEPOSED') end
if total == 0 then return fail('EMPTY_QUEUE') end
if redis.call('ZCARD', staged) ~= total then return fail('STAGE_INCOMPLETE') end

redis.call('RENAME', staged, entries)
redis.call('RENAME', staged_weights, weights)
redis.call('ZUNIONSTORE', queue, 1, entries)
redis.call('HSET', meta, 'status', 'ready', 'digest', digest, 'total', total, 'ready_at', now,
  'max_requeues', ARGV[6], 'requeue_budget', ARGV[7], 'max_failures', ARGV[8], 'max_attempts', ARGV[9],
  'max_test_ms', ARGV[10])
refresh_ttl()
return 'ready'
