package io.taskstream.scheduler.schedules;

import java.time.Instant;

import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskSubmission;

/** The task a schedule fires for one fire time. */
final class ScheduledTasks {

    private ScheduledTasks() {
    }

    /**
     * The submission of {@code definition}'s task for {@code fireTime}: its id derived from the schedule
     * and the fire time ({@link TaskIds#scheduled}), due at the fire time ({@code runAt}), created now,
     * carrying the schedule's id.
     */
    static TaskSubmission submission(ScheduleDefinition definition, Instant fireTime, Instant now) {
        TaskTemplate task = definition.task();
        return new TaskSubmission(TaskIds.scheduled(definition.key(), fireTime), definition.tenantId(), task.type(),
                task.payload(), task.priority(), fireTime, null, task.maxAttempts(), task.timeout(), task.backoff(),
                null, null, task.labels(), false, definition.scheduleId(), now);
    }
}
