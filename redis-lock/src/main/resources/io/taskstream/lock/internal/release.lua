-- Deletes a lease, but only while it is still held by the caller (compare-and-delete): a holder
-- whose lease expired and was taken over can never delete the new holder's key.
--
-- KEYS[1]  lease key
-- ARGV[1]  the holder's value "<owner>:<token>"
--
-- Returns 1 when deleted, 0 when the key is gone or belongs to another holder.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
