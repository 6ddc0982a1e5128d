--[[
  Extend a lease while its file runs.
  KEYS[1] meta  KEYS[2] lease  KEYS[3] deadline  KEYS[4] started
  ARGV[3] entry  ARGV[4] lease id  ARGV[5] lease ms
  Returns 'ok'; 'stale' when the lease was reclaimed or finished; 'capped' once the file has run longer than the
  build's max test ms (the lease is left to expire so a stuck file cannot hold its entry forever, ci-queue #395).
  Errors: QUEUE_LOST.
]]
local meta, lease_key, deadline, started = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local entry = ARGV[3]
if redis.call('EXISTS', meta) == 0 then return fail('QUEUE_LOST') end
-- Only the current lease id may extend: a worker whose lease was reclaimed must never revive it or touch the new
-- holder's deadline (heartbeat poisoning, ci-queue #384).
if redis.call('HGET', lease_key, entry) ~= ARGV[4] then return 'stale' end
local now = now_ms()
local max_test_ms = hget_number(meta, 'max_test_ms')
if max_test_ms > 0 and now - hget_number(started, entry) >= max_test_ms then return 'capped' end
redis.call('ZADD', deadline, 'XX', now + tonumber(ARGV[5]), entry)
refresh_ttl()
return 'ok'
