package io.taskstream.ingest.limits;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code PUT /tenants/{id}/limits}:
 * {@code {"requestsPerMinute": 12000, "burst": 2000, "groups": {"submit": {"requestsPerMinute": 600, "burst": 100}}}}.
 * Every field is optional, but a limit gives both numbers; the body replaces whatever the tenant had
 * ({@code {}}: back to the configured limits). Every problem is named, as {@code groups.submit.burst}.
 */
final class TenantLimitsRequest {

    static final Set<String> FIELDS = Set.of("requestsPerMinute", "burst", "groups");
    static final Set<String> LIMIT_FIELDS = Set.of("requestsPerMinute", "burst");

    private TenantLimitsRequest() {
    }

    /** The overrides the body asks for; anything wrong → {@code 400 validation_failed} naming every problem. */
    static TenantOverrides of(ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        Limit all = limit(body, "", violations, false);
        Map<EndpointGroup, Limit> groups = new EnumMap<>(EndpointGroup.class);
        JsonNode given = body.get("groups");
        if (given != null && !given.isNull()) {
            if (!given.isObject()) {
                violations.add(new Violation("groups", "must be an object of endpoint groups (submit, query, admin)"));
            } else {
                for (String name : given.propertyNames()) {
                    EndpointGroup group = EndpointGroup.of(name).orElse(null);
                    JsonNode entry = given.get(name);
                    if (group == null) {
                        violations.add(new Violation("groups." + name,
                                "unknown endpoint group: use submit, query or admin"));
                    } else if (!entry.isObject()) {
                        violations.add(new Violation("groups." + name,
                                "must be an object with requestsPerMinute and burst"));
                    } else {
                        ObjectNode limit = (ObjectNode) entry;
                        for (String field : limit.propertyNames()) {
                            if (!LIMIT_FIELDS.contains(field)) {
                                violations.add(new Violation("groups." + name + "." + field, "unknown field"));
                            }
                        }
                        Limit parsed = limit(limit, "groups." + name + ".", violations, true);
                        if (parsed != null) {
                            groups.put(group, parsed);
                        }
                    }
                }
            }
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return new TenantOverrides(all, groups, null);
    }

    /** Both numbers, or neither (null) unless {@code required}. */
    private static Limit limit(ObjectNode node, String path, List<Violation> violations, boolean required) {
        Integer perMinute = number(node, "requestsPerMinute", path, Limit.MAX_REQUESTS_PER_MINUTE, violations);
        Integer burst = number(node, "burst", path, Limit.MAX_BURST, violations);
        boolean hasPerMinute = present(node, "requestsPerMinute");
        boolean hasBurst = present(node, "burst");
        if (!hasPerMinute && (hasBurst || required)) {
            violations.add(new Violation(path + "requestsPerMinute", "is required with burst"));
        }
        if (!hasBurst && (hasPerMinute || required)) {
            violations.add(new Violation(path + "burst", "is required with requestsPerMinute"));
        }
        return perMinute != null && burst != null ? new Limit(perMinute, burst) : null;
    }

    private static boolean present(ObjectNode node, String field) {
        return node.get(field) != null && !node.get(field).isNull();
    }

    private static Integer number(ObjectNode node, String field, String path, int max, List<Violation> violations) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1 || value.asInt() > max) {
            violations.add(new Violation(path + field, "must be a whole number from 1 to " + max));
            return null;
        }
        return value.asInt();
    }
}
