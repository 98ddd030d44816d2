package io.taskstream.scheduler.schedules;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.TaskStatus;

/**
 * A task fired by a schedule ended: what the task side of the topology tells the schedule side on the
 * scheduler's own {@code schedule-runs} topic, keyed {@code <tenantId>/<scheduleId>} (the schedule's
 * partition), so the {@code SKIP_IF_RUNNING} guard knows the schedule's last task is done.
 */
public record ScheduleRun(String tenantId, UUID scheduleId, UUID taskId, TaskStatus status, Instant endedAt) {

    public ScheduleRun {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(scheduleId, "scheduleId");
        Objects.requireNonNull(taskId, "taskId");
    }

    /** The key of the schedule on {@code schedules} and {@code schedule-runs}. */
    public String scheduleKey() {
        return ScheduleDefinition.key(tenantId, scheduleId);
    }
}
