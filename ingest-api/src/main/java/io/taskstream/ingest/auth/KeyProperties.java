package io.taskstream.ingest.auth;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * API keys' settings, {@code taskstream.ingest.keys.*}.
 *
 * @param cacheSize        validated keys kept per node (by prefix); more distinct keys in use than this
 *                         means some requests read {@code api_keys}
 * @param cacheTtl         how long a cached key is trusted without reading it again; bounds how long a
 *                         revocation takes on a node that missed the invalidation message (Redis down)
 * @param rotationGrace    how long the previous secret keeps working after {@code :rotate}, unless the
 *                         request names its own {@code gracePeriod} (at most {@code maxRotationGrace})
 * @param maxRotationGrace the longest grace period a rotation may ask for
 * @param channel          the Redis pub/sub channel on which nodes tell each other that a key changed
 */
@ConfigurationProperties("taskstream.ingest.keys")
public record KeyProperties(
        @DefaultValue("1000") int cacheSize,
        @DefaultValue("PT5M") Duration cacheTtl,
        @DefaultValue("PT24H") Duration rotationGrace,
        @DefaultValue("P7D") Duration maxRotationGrace,
        @DefaultValue("taskstream:api-keys") String channel) {

    public KeyProperties {
        if (cacheSize < 1) {
            throw new IllegalArgumentException("taskstream.ingest.keys.cache-size must be at least 1");
        }
        requirePositive(cacheTtl, "cache-ttl");
        if (rotationGrace == null || rotationGrace.isNegative()) {
            throw new IllegalArgumentException("taskstream.ingest.keys.rotation-grace must not be negative");
        }
        requirePositive(maxRotationGrace, "max-rotation-grace");
        if (rotationGrace.compareTo(maxRotationGrace) > 0) {
            throw new IllegalArgumentException("taskstream.ingest.keys.rotation-grace must not exceed "
                    + "taskstream.ingest.keys.max-rotation-grace");
        }
        if (channel == null || channel.isBlank()) {
            throw new IllegalArgumentException("taskstream.ingest.keys.channel must not be blank");
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("taskstream.ingest.keys." + name + " must be a positive duration");
        }
    }
}
