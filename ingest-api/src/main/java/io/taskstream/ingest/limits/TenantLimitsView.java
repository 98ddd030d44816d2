package io.taskstream.ingest.limits;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of {@code GET} and {@code PUT /tenants/{id}/limits}: the tenant's own limits as a {@code PUT}
 * sets them ({@code requestsPerMinute} and {@code burst} null when it has no limit for every group;
 * {@code groups} only the groups it has a limit for), and the limits that apply in each group, the
 * tenant's or the configured ones ({@code effective}).
 *
 * @param updatedAt when the tenant's own limits were last set; null when it has none
 */
public record TenantLimitsView(String tenantId, Integer requestsPerMinute, Integer burst, Map<String, Limit> groups,
                               Map<String, Limit> effective, Instant updatedAt) {

    static TenantLimitsView of(String tenantId, TenantOverrides overrides, RateLimitProperties properties) {
        Map<String, Limit> groups = new LinkedHashMap<>();
        Map<String, Limit> effective = new LinkedHashMap<>();
        for (EndpointGroup group : EndpointGroup.values()) {
            Limit own = overrides.groups().get(group);
            if (own != null) {
                groups.put(group.wireName(), own);
            }
            effective.put(group.wireName(), overrides.effective(group, properties));
        }
        Limit all = overrides.all();
        return new TenantLimitsView(tenantId, all == null ? null : all.requestsPerMinute(),
                all == null ? null : all.burst(), groups, effective, overrides.updatedAt());
    }
}
