-- Extends a lease, but only while it is still held by the caller (compare-and-PEXPIRE).
--
-- KEYS[1]  lease key
-- KEYS[2]  fence key
-- ARGV[1]  the holder's value "<owner>:<token>"
-- ARGV[2]  TTL in milliseconds
-- ARGV[3]  how long the fence key outlives the lease, in milliseconds (0 = forever)
--
-- Returns 1 when extended, 0 when the key is gone or belongs to another holder.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[2])
local retention = tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
if retention > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl + retention)
end
return 1
