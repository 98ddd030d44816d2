package io.taskstream.scheduler.schedules;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import io.taskstream.schemas.ScheduleDefinition;

/**
 * What the scheduler keeps per schedule: its latest definition and where its firing stands.
 *
 * @param nextFireAt    the next fire time not handled yet; null when the schedule is disabled or never fires again
 * @param lastFireAt    the fire time of the last task fired, null before the first
 * @param lastTaskId    the id of that task
 * @param runningTaskId the last task fired while it has not ended (reported on {@code schedule-runs}); the
 *                      {@code SKIP_IF_RUNNING} guard skips fires while it is set
 */
public record ScheduleState(ScheduleDefinition definition, Instant nextFireAt, Instant lastFireAt, UUID lastTaskId,
                            UUID runningTaskId) {

    public ScheduleState {
        Objects.requireNonNull(definition, "definition");
    }

    public String key() {
        return definition.key();
    }

    public ScheduleState withDefinition(ScheduleDefinition newDefinition, Instant newNextFireAt) {
        return new ScheduleState(newDefinition, newNextFireAt, lastFireAt, lastTaskId, runningTaskId);
    }

    public ScheduleState fired(Instant fireTime, UUID taskId) {
        return new ScheduleState(definition, nextFireAt, fireTime, taskId, taskId);
    }

    public ScheduleState withNextFireAt(Instant newNextFireAt) {
        return new ScheduleState(definition, newNextFireAt, lastFireAt, lastTaskId, runningTaskId);
    }

    /** The task {@code taskId} ended: the overlap guard lets the next fire through if it was the running one. */
    public ScheduleState ended(UUID taskId) {
        return taskId.equals(runningTaskId)
                ? new ScheduleState(definition, nextFireAt, lastFireAt, lastTaskId, null) : this;
    }
}
