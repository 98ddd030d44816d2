package io.taskstream.ingest.schedules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.ingest.tasks.SubmissionReader;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.Document;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the body of {@code POST /schedules} or {@code PUT /schedules/{id}} into the
 * {@link ScheduleDefinition} that goes to Postgres and to the {@code schedules} topic, or says precisely
 * why not ({@code 400 validation_failed}, every problem at once):
 * <ul>
 *   <li>{@code name}: required, 1–{@value #MAX_NAME_LENGTH} characters, not blank;</li>
 *   <li>{@code cron} (required) and {@code timezone} (an IANA zone, default {@code UTC}): whatever
 *       {@link CronSchedule#parse} refuses, with its message — not an expression, fire times closer than
 *       the configured shortest interval, an unknown zone;</li>
 *   <li>{@code task}: required; the fields of a task submission a template may have ({@link #TASK_FIELDS}),
 *       checked by the {@link SubmissionReader} — the very rules of {@code POST /tasks} — with each field
 *       named {@code task.<field>}; a {@code payload} over the limit is {@code 413};</li>
 *   <li>{@code enabled} (default true), {@code misfirePolicy} ({@code FIRE_ONCE}, default, or {@code SKIP}),
 *       {@code overlap} ({@code ALLOW}, default, or {@code SKIP_IF_RUNNING});</li>
 *   <li>any other field → {@code unknown field}. A {@code null} value counts as absent.</li>
 * </ul>
 * The result is checked against the {@code schedule-definition/v1} JSON Schema too, so that the topic only
 * ever carries definitions the scheduler reads.
 */
public final class ScheduleReader {

    static final Set<String> FIELDS = Set.of("name", "cron", "timezone", "task", "enabled", "misfirePolicy",
            "overlap");
    /** The fields of a schedule's task: a submission's, less what belongs to one task (when, which key …). */
    public static final Set<String> TASK_FIELDS = Set.of("type", "payload", "priority", "maxAttempts", "timeout",
            "backoff", "labels");
    static final int MAX_NAME_LENGTH = 200;
    static final String DEFAULT_TIMEZONE = "UTC";

    private final SubmissionReader tasks;
    private final SchemaValidator validator;
    private final Duration minInterval;

    /**
     * @param minInterval the shortest time allowed between two fire times
     *                    ({@code taskstream.ingest.schedules.min-interval})
     */
    public ScheduleReader(SubmissionReader tasks, SchemaValidator validator, Duration minInterval) {
        this.tasks = tasks;
        this.validator = validator;
        this.minInterval = minInterval;
    }

    /**
     * The definition {@code body} asks for, as schedule {@code scheduleId} of {@code tenantId} written at
     * {@code updatedAt}.
     *
     * @throws ApiException {@code 400 validation_failed} naming every problem; {@code 413} for a payload
     *                      over the limit
     */
    public ScheduleDefinition read(ObjectNode body, String tenantId, UUID scheduleId, Instant updatedAt) {
        List<Violation> violations = new ArrayList<>();
        for (Violation unknown : JsonBodies.unknownFields(body, FIELDS)) {
            violations.add(unknown);
        }
        String name = name(body.get("name"), violations);
        String cron = requiredText(body.get("cron"), "cron", violations);
        JsonNode zone = present(body.get("timezone"));
        String timezone = DEFAULT_TIMEZONE;
        if (zone != null) {
            timezone = zone.isString() && !zone.asString().isBlank() ? zone.asString() : null;
            if (timezone == null) {
                violations.add(new Violation("timezone", "must be an IANA time zone such as Europe/Berlin"));
            }
        }
        if (timezone != null) {
            try {
                CronSchedule.zone(timezone);
            } catch (CronSchedule.InvalidCronException e) {
                violations.add(e.violation());
                timezone = null;
            }
        }
        if (cron != null) {
            // an unusable zone is reported above; the expression is still checked (in UTC)
            try {
                CronSchedule.parse(cron, timezone == null ? DEFAULT_TIMEZONE : timezone, minInterval,
                        Clock.fixed(updatedAt, ZoneOffset.UTC));
            } catch (CronSchedule.InvalidCronException e) {
                violations.add(e.violation());
            }
        }
        TaskTemplate task = task(body.get("task"), tenantId, scheduleId, updatedAt, violations);
        boolean enabled = enabled(body.get("enabled"), violations);
        MisfirePolicy misfirePolicy = enumValue(MisfirePolicy.class, body.get("misfirePolicy"), "misfirePolicy",
                MisfirePolicy.FIRE_ONCE, violations);
        Overlap overlap = enumValue(Overlap.class, body.get("overlap"), "overlap", Overlap.ALLOW, violations);
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        ScheduleDefinition definition = new ScheduleDefinition(scheduleId, tenantId, name, cron, timezone, task,
                enabled, misfirePolicy, overlap, updatedAt);
        List<Violation> broken = validator.validate(Document.SCHEDULE_DEFINITION, Json.mapper().valueToTree(definition));
        if (!broken.isEmpty()) {
            throw ApiException.validation(broken);
        }
        return definition;
    }

    /** {@code node}, or null when it is absent or JSON {@code null}. */
    private static JsonNode present(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }

    private static String name(JsonNode node, List<Violation> violations) {
        String name = requiredText(node, "name", violations);
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            violations.add(new Violation("name", "must be at most " + MAX_NAME_LENGTH + " characters"));
            return null;
        }
        return name;
    }

    private static String requiredText(JsonNode node, String field, List<Violation> violations) {
        JsonNode value = present(node);
        if (value == null) {
            violations.add(new Violation(field, "is required"));
            return null;
        }
        if (!value.isString() || value.asString().isBlank()) {
            violations.add(new Violation(field, "must be a non-blank string"));
            return null;
        }
        return value.asString();
    }

    /** The template, read as a task submission by the tasks' own reader; its problems named {@code task.…}. */
    private TaskTemplate task(JsonNode node, String tenantId, UUID scheduleId, Instant now,
            List<Violation> violations) {
        JsonNode value = present(node);
        if (value == null) {
            violations.add(new Violation("task", "is required"));
            return null;
        }
        if (!(value instanceof ObjectNode template)) {
            violations.add(new Violation("task", "must be a JSON object"));
            return null;
        }
        ObjectNode request = Json.mapper().createObjectNode();
        List<Violation> own = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : template.properties()) {
            if (TASK_FIELDS.contains(field.getKey())) {
                request.set(field.getKey(), field.getValue());
            } else {
                own.add(new Violation("task." + field.getKey(), "unknown field"));
            }
        }
        violations.addAll(own);
        try {
            // the schedule's id stands in for the task id the reader needs; fired tasks get their own
            TaskSubmission submission = tasks.read(request, tenantId, scheduleId, now, null);
            return own.isEmpty() ? new TaskTemplate(submission.type(), submission.payload(), submission.priority(),
                    submission.maxAttempts(), submission.timeout(), submission.backoff(), submission.labels()) : null;
        } catch (ApiException e) {
            if (e.code() != ErrorCode.VALIDATION_FAILED) {
                throw e;
            }
            for (Violation v : e.errors()) {
                violations.add(new Violation(v.field().isEmpty() ? "task" : "task." + v.field(), v.message()));
            }
            return null;
        }
    }

    private static boolean enabled(JsonNode node, List<Violation> violations) {
        JsonNode value = present(node);
        if (value == null) {
            return true;
        }
        if (!value.isBoolean()) {
            violations.add(new Violation("enabled", "must be true or false"));
            return true;
        }
        return value.asBoolean();
    }

    static <E extends Enum<E>> E enumValue(Class<E> type, JsonNode node, String field, E absent,
            List<Violation> violations) {
        JsonNode value = present(node);
        if (value == null) {
            return absent;
        }
        if (value.isString()) {
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(value.asString())) {
                    return constant;
                }
            }
        }
        violations.add(new Violation(field, "must be one of " + String.join(", ",
                Arrays.stream(type.getEnumConstants()).map(Enum::name).toList())));
        return absent;
    }
}
