"""The Lua scripts of the Redis Streams bus: group membership, partition leases, and the
pruning of consumers that left a stream's group. Each runs atomically in Redis, which is what
makes "take the lease only if free" or "delete only consumers with nothing pending" safe
between processes. Key layouts are described in `redis_streams`.
"""

# Server time, so that consumers on hosts with skewed clocks agree on who is alive; the ZSET
# expires with its last member. Returns how many members are alive, this one included.
HEARTBEAT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
"""

# Take a free lease, or refresh one this consumer still holds (after a restart under the same
# name, or when renewals failed for a while): 1 when the caller owns the lease afterwards.
CLAIM = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# Renew only a lease the caller still holds: one that expired and was taken by another
# consumer must not be taken back behind its back.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# Give a lease back, unless it already lapsed and another consumer holds it now.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Consumers stay in a stream's group until deleted, and every process start adds new names.
# The new owner of a partition, once it claimed every pending entry, deletes the others: it is
# atomic, so a consumer is deleted only while it holds no pending entry, and nothing is lost.
PRUNE_CONSUMERS = """
local pruned = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['name'] ~= ARGV[2] and info['pending'] == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    pruned = pruned + 1
  end
end
return pruned
"""
