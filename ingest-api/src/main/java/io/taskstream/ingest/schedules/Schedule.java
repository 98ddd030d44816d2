package io.taskstream.ingest.schedules;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import io.taskstream.schemas.ScheduleDefinition;

/**
 * A schedule as the {@code schedules} table holds it: the definition that is also on the {@code schedules}
 * topic, the row's {@code version} (optimistic concurrency of {@code PUT} and {@code PATCH}), when it was
 * created, and its last run, read from {@code tasks} (the newest task carrying its id).
 *
 * @param lastTaskId the schedule's newest task, null when it has none
 * @param lastRunAt  that task's {@code createdAt}
 */
record Schedule(ScheduleDefinition definition, long version, Instant createdAt, UUID lastTaskId, Instant lastRunAt) {

    Schedule {
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
