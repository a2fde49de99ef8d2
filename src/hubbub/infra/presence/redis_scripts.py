"""The Lua scripts of the Redis presence adapter. Each runs atomically in Redis, which is
what lets a connect, a disconnect or the retirement of a dead gateway answer whether a user
just came online or went offline anywhere. Keys and scores are described in `redis`.
"""

# `now` in unix milliseconds from the Redis server's clock. Lua numbers are doubles, exact
# for integers up to 2^53, so milliseconds since 1970 are represented exactly.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS: user ZSET, this instance's user SET, instances ZSET
# ARGV: instance, ttl ms, user id            → 1 when the user just came online anywhere
CONNECT = (
    _NOW
    + """
local expiry = now + tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
-- Registering the instance here too means a gateway that dies before its first heartbeat
-- is still found and retired by the sweep.
redis.call('ZADD', KEYS[3], expiry, ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 1 then return 1 end
return 0
"""
)

# KEYS: user ZSET, this instance's user SET
# ARGV: instance, user id                   → 1 when the user has no live gateway left
DISCONNECT = (
    _NOW
    + """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
"""
)

# KEYS: instances ZSET, this instance's user SET, then one user ZSET per user
# ARGV: instance, ttl ms, then the user ids in the same order as their keys
# ZADD (not ZADD XX) on purpose: after a Redis restart or flush this re-creates everything.
HEARTBEAT = (
    _NOW
    + """
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
for i = 3, #KEYS do
    redis.call('ZADD', KEYS[i], expiry, ARGV[1])
    redis.call('SADD', KEYS[2], ARGV[i])
end
return #KEYS - 2
"""
)

# KEYS: user ZSETs                          → per key, the number of live gateways
LIVE_COUNTS = (
    _NOW
    + """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf')
end
return counts
"""
)

# KEYS: instances ZSET;  ARGV: max count     → instances whose heartbeat expired
EXPIRED_INSTANCES = (
    _NOW
    + """
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
"""
)

# KEYS: instances ZSET, the retired instance's user SET
# ARGV: instance, user key prefix, '1' to retire it only if its heartbeat expired
# → the users who thereby have no live gateway left
RETIRE = (
    _NOW
    + """
local only_if_dead = ARGV[3] == '1'
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if only_if_dead and score and tonumber(score) > now then
    return {}  -- it heartbeated since the sweeper listed it: alive after all
end
-- The claim: of several sweepers, only the one whose ZREM removed the instance goes on,
-- so its users are announced offline exactly once.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 and only_if_dead then
    return {}
end
local offline = {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local key = ARGV[2] .. user
    -- Only a user whose entry for this instance was still there is ours to announce: if
    -- someone's connect/disconnect already dropped the expired entry, that call reported
    -- the transition.
    if redis.call('ZREM', key, ARGV[1]) == 1 then
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
        if redis.call('ZCARD', key) == 0 then
            offline[#offline + 1] = user
        end
    end
end
redis.call('DEL', KEYS[2])
return offline
"""
)
