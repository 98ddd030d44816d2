package io.taskstream.scheduler.admission;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.WireCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the raw value of a submit record with {@link WireCodec} (never throws; a record without a
 * possible tenant id is {@link Decoded.Unreadable} there), adding the rule that needs the topic: a
 * submission without {@code priority} takes the priority of the topic it was written to (a direct
 * producer writing to {@code submit.critical} means CRITICAL); and a {@code backoff} that gives only
 * some of its fields takes the others from the deployment's default backoff (the wire record
 * would otherwise read a missing {@code multiplier} as 0, which it rejects, and a missing
 * {@code jitter} as "no jitter"), with {@code max} never below the given {@code initial}.
 */
public final class SubmissionReader {

    /** What one record gave, plus its JSON tree when it was JSON (to salvage fields of an invalid one). */
    public record Read(Decoded<TaskSubmission> decoded, JsonNode json) {
    }

    private final WireCodec<TaskSubmission> codec;
    private final Backoff defaultBackoff;

    public SubmissionReader(SchemaValidator validator, Backoff defaultBackoff) {
        this.codec = new WireCodec<>(TaskSubmission.class, validator);
        this.defaultBackoff = defaultBackoff;
    }

    public Read read(byte[] value, Priority topicPriority) {
        if (value == null || value.length == 0) {
            return new Read(new Decoded.Unreadable<>(WireCodec.UNREADABLE, "empty record value"), null);
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(value);
        } catch (JacksonException e) {
            return new Read(new Decoded.Unreadable<>(WireCodec.UNREADABLE, "not JSON: " + e.getOriginalMessage()),
                    null);
        }
        completeBackoff(json);
        Decoded<TaskSubmission> decoded = switch (codec.read(json)) {
            case Decoded.Valid<TaskSubmission> valid when !hasPriority(json) ->
                    new Decoded.Valid<>(valid.value().withPriority(topicPriority));
            case Decoded<TaskSubmission> other -> other;
        };
        return new Read(decoded, json);
    }

    private void completeBackoff(JsonNode json) {
        if (json == null || !json.isObject() || !(json.get("backoff") instanceof ObjectNode backoff)) {
            return;
        }
        if (isAbsent(backoff, "initial")) {
            backoff.put("initial", defaultBackoff.initial().toString());
        }
        if (isAbsent(backoff, "multiplier")) {
            backoff.put("multiplier", defaultBackoff.multiplier());
        }
        if (isAbsent(backoff, "jitter")) {
            backoff.put("jitter", defaultBackoff.jitter());
        }
        if (isAbsent(backoff, "max")) {
            Duration max = defaultBackoff.max();
            Duration initial = durationOrNull(backoff.get("initial"));
            backoff.put("max", (initial != null && initial.compareTo(max) > 0 ? initial : max).toString());
        }
    }

    private static boolean isAbsent(JsonNode object, String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull();
    }

    /** The duration a field holds, or null when it is not one (the schema check reports that). */
    private static Duration durationOrNull(JsonNode value) {
        if (value == null || !value.isString()) {
            return null;
        }
        try {
            return Duration.parse(value.asString());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean hasPriority(JsonNode json) {
        JsonNode priority = json.get("priority");
        return priority != null && !priority.isNull();
    }
}
