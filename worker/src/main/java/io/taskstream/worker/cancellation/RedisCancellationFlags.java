package io.taskstream.worker.cancellation;

import java.util.Objects;
import java.util.UUID;

import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.schemas.tracing.Tracing;

/**
 * The cancel flags the API writes: on {@code DELETE /tasks/{id}} of a task that has not ended it
 * sets {@code <prefix><taskId>} (value: the request time, TTL 7 days). A task is cancelled while
 * that key exists, whatever its value.
 */
public final class RedisCancellationFlags implements CancellationFlags {

    /** The key prefix the API writes by default. */
    public static final String DEFAULT_PREFIX = "taskstream:cancel:";

    private final StringRedisTemplate redis;
    private final String prefix;
    private final Tracing tracing;

    /** @param tracing reading a flag for an attempt is a span of the attempt's trace */
    public RedisCancellationFlags(StringRedisTemplate redis, String prefix, Tracing tracing) {
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** @throws org.springframework.dao.DataAccessException if Redis cannot be asked */
    @Override
    public boolean isCancelled(UUID taskId) {
        return Boolean.TRUE.equals(tracing.client("redis", "EXISTS cancel", () -> redis.hasKey(key(taskId))));
    }

    /** The flag's key, e.g. {@code taskstream:cancel:0190f0c4-1111-7000-8000-000000000001}. */
    public String key(UUID taskId) {
        return prefix + taskId;
    }
}
