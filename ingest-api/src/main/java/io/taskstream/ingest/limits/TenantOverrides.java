package io.taskstream.ingest.limits;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A tenant's own limits, as stored in {@code tenant_limits} and as {@code PUT /tenants/{id}/limits} sets
 * them: one for every group ({@code all}), and per group. Either may be absent.
 *
 * @param all       the tenant's limit in every group that has none of its own; null: the configured ones
 * @param groups    per group, the tenant's limit there
 * @param updatedAt when they were last set; null when the tenant has none
 */
public record TenantOverrides(Limit all, Map<EndpointGroup, Limit> groups, Instant updatedAt) {

    /** No limits of its own: the configured ones apply. */
    public static final TenantOverrides NONE = new TenantOverrides(null, Map.of(), null);

    public TenantOverrides {
        Map<EndpointGroup, Limit> copy = new EnumMap<>(EndpointGroup.class);
        copy.putAll(groups);
        groups = Collections.unmodifiableMap(copy);
    }

    public boolean isEmpty() {
        return all == null && groups.isEmpty();
    }

    /**
     * The limit that applies in {@code group}: the tenant's for that group, else the tenant's for all
     * groups, else the configured default of the group.
     */
    public Limit effective(EndpointGroup group, RateLimitProperties properties) {
        Limit own = groups.get(group);
        if (own != null) {
            return own;
        }
        return all != null ? all : properties.defaultFor(group);
    }
}
