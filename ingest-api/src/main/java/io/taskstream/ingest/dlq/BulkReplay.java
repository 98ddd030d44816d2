package io.taskstream.ingest.dlq;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of {@code POST /dlq:replay}: {@code {"type": "...", "failedBefore": "...", "limit": 1000}},
 * every field optional ({@code {}} replays the oldest {@value #MAX_LIMIT} of the tenant's queue).
 *
 * @param type         only tasks of this type (null: any)
 * @param failedBefore only tasks dead-lettered before this instant (null: any)
 * @param limit        at most this many, the oldest first; 1 to {@value #MAX_LIMIT}
 */
record BulkReplay(String type, Instant failedBefore, int limit) {

    static final int MAX_LIMIT = 1000;
    static final Set<String> FIELDS = Set.of("type", "failedBefore", "limit");

    /** The request a body asks for; anything off is {@code 400 validation_failed}, one error per field. */
    static BulkReplay of(ObjectNode body) {
        List<Violation> violations = new ArrayList<>(JsonBodies.unknownFields(body, FIELDS));
        String type = null;
        JsonNode typeNode = body.get("type");
        if (typeNode != null && !typeNode.isNull()) {
            if (typeNode.isString() && !typeNode.asString().isBlank()) {
                type = typeNode.asString();
            } else {
                violations.add(new Violation("type", "must be a task type"));
            }
        }
        Instant failedBefore = null;
        JsonNode before = body.get("failedBefore");
        if (before != null && !before.isNull()) {
            failedBefore = before.isString() ? instant(before.asString()) : null;
            if (failedBefore == null) {
                violations.add(new Violation("failedBefore", "is not a valid ISO-8601 instant"));
            }
        }
        int limit = MAX_LIMIT;
        JsonNode limitNode = body.get("limit");
        if (limitNode != null && !limitNode.isNull()) {
            if (limitNode.isIntegralNumber() && limitNode.canConvertToInt()
                    && limitNode.asInt() >= 1 && limitNode.asInt() <= MAX_LIMIT) {
                limit = limitNode.asInt();
            } else {
                violations.add(new Violation("limit", "must be an integer from 1 to " + MAX_LIMIT));
            }
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return new BulkReplay(type, failedBefore, limit);
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }
}
