package io.taskstream.scheduler.admission;

import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.WireCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads the raw value of a submit record with {@link WireCodec} (never throws; a record without a
 * possible tenant id is {@link Decoded.Unreadable} there), adding the rule that needs the topic: a
 * submission without {@code priority} takes the priority of the topic it was written to (a direct
 * producer writing to {@code submit.critical} means CRITICAL). A {@code backoff} that gives only some
 * of its fields is kept as given: the retry policy takes the absent ones from the deployment's
 * default when it computes a wait ({@code TaskSubmission.backoffOr}, {@code Backoff.orElse}).
 */
public final class SubmissionReader {

    /** What one record gave, plus its JSON tree when it was JSON (to salvage fields of an invalid one). */
    public record Read(Decoded<TaskSubmission> decoded, JsonNode json) {
    }

    private final WireCodec<TaskSubmission> codec;

    public SubmissionReader(SchemaValidator validator) {
        this.codec = new WireCodec<>(TaskSubmission.class, validator);
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
        Decoded<TaskSubmission> decoded = switch (codec.read(json)) {
            case Decoded.Valid<TaskSubmission> valid when !hasPriority(json) ->
                    new Decoded.Valid<>(valid.value().withPriority(topicPriority));
            case Decoded<TaskSubmission> other -> other;
        };
        return new Read(decoded, json);
    }

    private static boolean hasPriority(JsonNode json) {
        JsonNode priority = json.get("priority");
        return priority != null && !priority.isNull();
    }
}
