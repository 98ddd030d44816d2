package io.taskstream.schemas;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * A cron schedule, on the compacted {@code schedules} topic keyed {@code <tenantId>/<scheduleId>}
 * (wire name {@code schedule-definition/v1}); a deletion is a tombstone (null value).
 */
public record ScheduleDefinition(
        UUID scheduleId,
        String tenantId,
        String name,
        String cron,
        String timezone,
        TaskTemplate task,
        boolean enabled,
        MisfirePolicy misfirePolicy,
        Overlap overlap,
        Instant updatedAt) {

    public enum MisfirePolicy { FIRE_ONCE, SKIP }

    public enum Overlap { ALLOW, SKIP_IF_RUNNING }

    /** The task each fire time submits. */
    public record TaskTemplate(String type, JsonNode payload, Priority priority, Integer maxAttempts,
                               Duration timeout, Backoff backoff, Map<String, String> labels) {
        public TaskTemplate {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(payload, "payload");
            priority = Objects.requireNonNullElse(priority, Priority.NORMAL);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    public ScheduleDefinition {
        Objects.requireNonNull(scheduleId, "scheduleId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(cron, "cron");
        Objects.requireNonNull(task, "task");
        timezone = Objects.requireNonNullElse(timezone, "UTC");
        misfirePolicy = Objects.requireNonNullElse(misfirePolicy, MisfirePolicy.FIRE_ONCE);
        overlap = Objects.requireNonNullElse(overlap, Overlap.ALLOW);
    }

    /** The record key on the {@code schedules} topic. */
    public String key() {
        return key(tenantId, scheduleId);
    }

    /** The key of schedule {@code scheduleId} of {@code tenantId}: {@code <tenantId>/<scheduleId>}. */
    public static String key(String tenantId, UUID scheduleId) {
        return tenantId + "/" + scheduleId;
    }
}
