package io.taskstream.ingest.schedules;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code PATCH /schedules/{id}}: {@code {"enabled": false}}, nothing else (a merge patch of the
 * one field that is switched on its own; anything else is changed with {@code PUT}).
 */
record SchedulePatch(boolean enabled) {

    static final Set<String> FIELDS = Set.of("enabled");

    /** The patch a body asks for; unknown fields and a missing or non-boolean {@code enabled} → {@code 400}. */
    static SchedulePatch of(ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        JsonNode enabled = body.get("enabled");
        if (enabled == null || enabled.isNull()) {
            violations.add(new Violation("enabled", "is required"));
        } else if (!enabled.isBoolean()) {
            violations.add(new Violation("enabled", "must be true or false"));
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return new SchedulePatch(enabled.asBoolean());
    }
}
