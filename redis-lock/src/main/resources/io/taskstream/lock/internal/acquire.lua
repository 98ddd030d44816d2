-- Takes the lease on a resource if nobody holds it, and hands out the next fencing token.
--
-- KEYS[1]  lease key   <prefix>lease:{<resource>}   value "<owner>:<token>", expires after the TTL
-- KEYS[2]  fence key   <prefix>fence:{<resource>}   the last token handed out for the resource
-- ARGV[1]  owner
-- ARGV[2]  TTL in milliseconds
-- ARGV[3]  how long the fence key outlives the lease, in milliseconds (0 = forever)
--
-- Returns the new fencing token, or 0 when the lease is held (by anyone, the same owner included).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end

-- The token is max(previous token + 1, Redis time in microseconds). The first part makes tokens
-- strictly increasing per resource; the second keeps them increasing when the fence key is gone:
-- its retention ran out, Redis restarted without its data, or a replica that missed the last
-- writes was promoted. Lua numbers are doubles, exact for integers below 2^53 (year 2255 in µs).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local token = math.max(previous + 1, now)
local tokenText = string.format('%.0f', token)

local ttl = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
if retention > 0 then
  redis.call('SET', KEYS[2], tokenText, 'PX', ttl + retention)
else
  redis.call('SET', KEYS[2], tokenText)
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. tokenText, 'NX', 'PX', ttl)
return token
