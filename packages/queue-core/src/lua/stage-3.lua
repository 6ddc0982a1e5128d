--[[
  Stage one chunk of the entry list; nothing is visible to workers until commit.
  KEYS[1] meta  KEYS[2] staged  KEYS[3] staged-weights
  ARGV[3] epoch  ARGV[4..] triples: entry id, LPT position, estimated ms
  Returns the number of entries staged so far.
  Errors: QUEUE_LOST, DEPOSED (another machine took over setup, or setup is over).
]]
local meta, staged, staged_weights = KEYS[1], KEYS[2], KEYS[3]
local status = redis.call('HGET', meta, 'status')
if not status then return fail('QUEUE_LOST') end
if status ~= 'setup' or hget_number(meta, 'epoch') ~= tonumber(ARGV[3]) then return fail('DEPOSED') end
for i = 4, #ARGV, 3 do
  redis.call('ZADD', staged, ARGV[i + 1], ARGV[i])
  redis.call('HSET', staged_weights, ARGV[i], ARGV[i + 2])
end
refresh_ttl()
return redis.call('ZCARD', staged)
