package io.taskstream.worker.heartbeat;

import java.time.Duration;
import java.util.Objects;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.schemas.WorkerHeartbeat;

/**
 * Heartbeats in Redis, in one round trip each (pipelined):
 * <ul>
 *   <li>the hash {@code <key>:<workerId>}, the fields of {@link WorkerHeartbeat#toHash()}, expiring
 *       {@code retention} after the latest heartbeat;</li>
 *   <li>the sorted set {@code <key>}: one member per worker id, scored with its latest heartbeat's
 *       time (epoch milliseconds), so the API lists workers without scanning keys. Each write also
 *       drops the members older than {@code retention} (their hashes have expired) and pushes the
 *       set's own expiry out to {@code retention}, so nothing outlives the last worker by more than
 *       that.</li>
 * </ul>
 * A reader may find a member whose hash has just expired; it skips it.
 */
public final class RedisHeartbeatStore implements HeartbeatStore {

    private final StringRedisTemplate redis;
    private final HeartbeatProperties properties;

    public RedisHeartbeatStore(StringRedisTemplate redis, HeartbeatProperties properties) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    /** @throws DataAccessException if Redis cannot be reached */
    @Override
    public void write(WorkerHeartbeat heartbeat) {
        String index = properties.key();
        String hash = properties.workerKey(heartbeat.workerId());
        Duration retention = properties.retention();
        long at = heartbeat.lastHeartbeatAt().toEpochMilli();
        redis.executePipelined(new SessionCallback<Void>() {
            @Override
            @SuppressWarnings("unchecked")
            public <K, V> Void execute(RedisOperations<K, V> operations) {
                RedisOperations<String, String> ops = (RedisOperations<String, String>) operations;
                ops.opsForHash().putAll(hash, heartbeat.toHash());
                ops.expire(hash, retention);
                ops.opsForZSet().add(index, heartbeat.workerId(), at);
                ops.opsForZSet().removeRangeByScore(index, Double.NEGATIVE_INFINITY, at - retention.toMillis() - 1);
                ops.expire(index, retention);
                return null;
            }
        });
    }

    /** @throws DataAccessException if Redis cannot be reached */
    @Override
    public void remove(String workerId) {
        redis.executePipelined(new SessionCallback<Void>() {
            @Override
            @SuppressWarnings("unchecked")
            public <K, V> Void execute(RedisOperations<K, V> operations) {
                RedisOperations<String, String> ops = (RedisOperations<String, String>) operations;
                ops.opsForZSet().remove(properties.key(), workerId);
                ops.delete(properties.workerKey(workerId));
                return null;
            }
        });
    }
}
