package io.taskstream.ingest.limits;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The per-tenant rate limits, {@code taskstream.ingest.rate-limit.*} (docs/security.md#rate-limits). Checked
 * at start-up: a wrong value stops the API with one message naming the property.
 *
 * @param enabled             whether {@code /api/v1} requests are counted at all; {@code false} sends no
 *                            {@code RateLimit-*} headers and never answers {@code 429}
 * @param requestsPerMinute   every tenant's rate in each endpoint group unless its group or the tenant
 *                            says otherwise; above it (once the burst is spent) requests get {@code 429}
 * @param burst               how many requests a tenant may send at once in each group (the bucket's
 *                            size, sent as {@code RateLimit-Limit})
 * @param groups              per endpoint group ({@code submit}, {@code query}, {@code admin}), a default
 *                            other than the two above, e.g. {@code groups.admin.requests-per-minute=600};
 *                            a field not given keeps the global default. A tenant's own limits
 *                            ({@code PUT /tenants/{id}/limits}) override these
 * @param keyPrefix           Redis key prefix of the buckets: {@code <prefix>{<tenant>}:<group>}
 * @param redisTimeout        the longest a request waits for Redis's decision; slower counts as Redis
 *                            being unavailable (queries pass, writes get {@code 503})
 * @param breakerOpenDuration after repeated failures Redis is not asked at all for this long (every
 *                            request is decided as if Redis were down, at once); also the
 *                            {@code Retry-After} of the {@code 503} then
 * @param tenantCacheTtl      how long a node keeps a tenant's own limits before reading them again from
 *                            PostgreSQL: a {@code PUT} on one node applies on the others within this
 */
@ConfigurationProperties("taskstream.ingest.rate-limit")
public record RateLimitProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("6000") int requestsPerMinute,
        @DefaultValue("1000") int burst,
        Map<EndpointGroup, GroupDefault> groups,
        @DefaultValue("taskstream:ratelimit:") String keyPrefix,
        @DefaultValue("PT0.2S") Duration redisTimeout,
        @DefaultValue("PT5S") Duration breakerOpenDuration,
        @DefaultValue("PT5S") Duration tenantCacheTtl) {

    static final String PREFIX = "taskstream.ingest.rate-limit.";

    public RateLimitProperties {
        check(requestsPerMinute, burst, PREFIX);
        Map<EndpointGroup, GroupDefault> given = groups == null ? Map.of() : groups;
        Map<EndpointGroup, GroupDefault> complete = new EnumMap<>(EndpointGroup.class);
        for (EndpointGroup group : EndpointGroup.values()) {
            GroupDefault defaults = given.get(group);
            int perMinute = defaults == null || defaults.requestsPerMinute() == null ? requestsPerMinute
                    : defaults.requestsPerMinute();
            int size = defaults == null || defaults.burst() == null ? burst : defaults.burst();
            check(perMinute, size, PREFIX + "groups." + group.wireName() + ".");
            complete.put(group, new GroupDefault(perMinute, size));
        }
        groups = Collections.unmodifiableMap(complete);
        if (keyPrefix == null || keyPrefix.isBlank() || keyPrefix.contains(" ")) {
            throw new IllegalArgumentException(PREFIX + "key-prefix must not be blank or contain spaces");
        }
        requirePositive(redisTimeout, "redis-timeout");
        requirePositive(breakerOpenDuration, "breaker-open-duration");
        requirePositive(tenantCacheTtl, "tenant-cache-ttl");
    }

    /**
     * A group's default; a field left out takes the global one.
     *
     * @param requestsPerMinute the group's rate
     * @param burst             the group's bucket size
     */
    public record GroupDefault(Integer requestsPerMinute, Integer burst) {
    }

    /** The configured limit of a group, for tenants that have none of their own. */
    public Limit defaultFor(EndpointGroup group) {
        GroupDefault defaults = groups.get(group);
        return new Limit(defaults.requestsPerMinute(), defaults.burst());
    }

    private static void check(int requestsPerMinute, int burst, String prefix) {
        if (requestsPerMinute < 1 || requestsPerMinute > Limit.MAX_REQUESTS_PER_MINUTE) {
            throw new IllegalArgumentException(prefix + "requests-per-minute must be between 1 and "
                    + Limit.MAX_REQUESTS_PER_MINUTE + ", not " + requestsPerMinute);
        }
        if (burst < 1 || burst > Limit.MAX_BURST) {
            throw new IllegalArgumentException(prefix + "burst must be between 1 and " + Limit.MAX_BURST
                    + ", not " + burst);
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(PREFIX + name + " must be a positive duration");
        }
    }
}
