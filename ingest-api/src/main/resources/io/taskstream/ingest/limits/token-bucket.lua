-- One request against a tenant's token bucket for one endpoint group: refill, then take, atomically.
--
-- KEYS[1]  the bucket, a hash {units, ts}: <prefix>{<tenant>}:<group>
-- ARGV[1]  now, epoch milliseconds, from the calling node's clock
-- ARGV[2]  the rate in tokens per minute
-- ARGV[3]  the burst: how many tokens the bucket holds
-- ARGV[4]  the cost of the request in tokens
--
-- Returns {allowed (1|0), whole tokens left, ms until the bucket is full, ms until the request would be
-- allowed (0 when it was)}.
--
-- Arithmetic is exact: a token is 60,000 units, so a rate of n tokens a minute refills exactly n units a
-- millisecond, and every value stays an integer far below 2^53 (Lua numbers are doubles).
--
-- A caller whose clock is behind the bucket's timestamp (another node's clock is ahead, or this one was
-- set back) refills nothing and leaves the timestamp where it is, so no time is ever counted twice and a
-- clock moving back mints no tokens; its waits include the difference.
local UNIT = 60000
local now = tonumber(ARGV[1])
local per_minute = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3]) * UNIT
local need = tonumber(ARGV[4]) * UNIT

local state = redis.call('HMGET', KEYS[1], 'units', 'ts')
local units = tonumber(state[1])
local ts = tonumber(state[2])
if units == nil or ts == nil then
  -- no bucket (never used, or it expired full): a full one
  units = capacity
  ts = now
end
if now > ts then
  local missing = capacity - units
  local elapsed = now - ts
  if missing <= 0 or elapsed >= math.ceil(missing / per_minute) then
    units = capacity
  else
    units = units + elapsed * per_minute
  end
  ts = now
end
if units > capacity then
  -- the limit was lowered since the bucket was filled
  units = capacity
end

local allowed = 0
if units >= need then
  units = units - need
  allowed = 1
end

local behind = ts - now
local until_full = behind + math.ceil((capacity - units) / per_minute)
local until_allowed = 0
if allowed == 0 then
  until_allowed = behind + math.ceil((need - units) / per_minute)
end

redis.call('HSET', KEYS[1], 'units', units, 'ts', ts)
if until_full > 0 then
  -- a bucket that would be full by now need not exist: a missing one is full
  redis.call('PEXPIRE', KEYS[1], until_full)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, math.floor(units / UNIT), until_full, until_allowed}
