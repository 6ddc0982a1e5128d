--[[
  Fold one build's measured durations into the suite's timing history: an exponential moving average per entry,
  so one slow run nudges the estimate instead of replacing it. Atomic, so two builds' report steps finishing at
  once both count.
  KEYS[1] the suite's timings hash (entry id → estimated ms), shared by every build of the suite
  ARGV[3] alpha, the weight of the new sample (0 < alpha <= 1)
  ARGV[4..] entry id, measured ms pairs
  Returns the number of entries updated.
]]
local timings = KEYS[1]
local alpha = tonumber(ARGV[3])
local updated = 0
for i = 4, #ARGV, 2 do
  local sample = tonumber(ARGV[i + 1])
  local old = tonumber(redis.call('HGET', timings, ARGV[i]) or '')
  local estimate = sample
  if old then estimate = old + alpha * (sample - old) end
  redis.call('HSET', timings, ARGV[i], math.floor(estimate + 0.5))
  updated = updated + 1
end
refresh_ttl()
return updated
