package io.taskstream.ingest.tasks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The body of {@code PATCH /tasks/{id}}: {@code {"priority": "HIGH"}}, nothing else (for now). */
record TaskPatch(Priority priority) {

    static final Set<String> FIELDS = Set.of("priority");

    /** The patch a body asks for; unknown fields and a missing or unknown priority → {@code 400 validation_failed}. */
    static TaskPatch of(ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        JsonNode priority = body.get("priority");
        Priority parsed = null;
        if (priority == null || priority.isNull()) {
            violations.add(new Violation("priority", "is required"));
        } else {
            parsed = priority.isString() ? parse(priority.asString()) : null;
            if (parsed == null) {
                violations.add(new Violation("priority", "must be one of " + Arrays.toString(Priority.values())));
            }
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return new TaskPatch(parsed);
    }

    private static Priority parse(String value) {
        for (Priority p : Priority.values()) {
            if (p.name().equals(value)) {
                return p;
            }
        }
        return null;
    }
}
