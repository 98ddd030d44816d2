package io.taskstream.ingest.control;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.taskstream.ingest.errors.ApiException;

/**
 * The cooperative half of a cancel (docs/wire-conventions.md, "Cancel flag"): a Redis key
 * {@code <prefix><taskId>} (default {@code taskstream:cancel:<taskId>}) holding the request time
 * (ISO-8601), with a TTL (default 7 days). Workers check it before running an attempt and expose it to
 * handlers through {@code TaskContext.isCancelled()}; the {@code CANCEL} command on {@code control} is
 * what the scheduler acts on. Setting a flag again refreshes its value and TTL.
 */
public class CancelFlags {

    private final StringRedisTemplate redis;
    private final String prefix;
    private final Duration ttl;
    private final Duration retryAfter;

    public CancelFlags(StringRedisTemplate redis, String prefix, Duration ttl, Duration retryAfter) {
        this.redis = redis;
        this.prefix = prefix;
        this.ttl = ttl;
        this.retryAfter = retryAfter;
    }

    /** The key of a task's flag. */
    public String key(UUID taskId) {
        return prefix + taskId;
    }

    /** Sets the flag; Redis unreachable (or slower than its command timeout) is {@code 503}. */
    public void set(UUID taskId, Instant requestedAt) {
        try {
            redis.opsForValue().set(key(taskId), requestedAt.toString(), ttl);
        } catch (DataAccessException e) {
            throw ApiException.dependencyUnavailable("Redis is unavailable, so the cancel could not be recorded; "
                    + "retry later", retryAfter, e);
        }
    }
}
