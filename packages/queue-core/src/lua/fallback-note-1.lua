--[[
  Note that a machine ran its static fallback share (Redis was unreachable when it started), so the report step
  can say how the build ran instead of "never populated".
  KEYS[1] fallback (machine → note JSON)
  ARGV[3] machine  ARGV[4] note JSON
  Returns the number of machines noted so far.
]]
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
refresh_ttl()
return redis.call('HLEN', KEYS[1])
