package io.taskstream.ingest.projection;

import java.time.Instant;
import java.util.UUID;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;

/**
 * One attempt's row in {@code task_executions}, identified by {@code (taskId, attempt, startedAt)}.
 * The {@code PROCESSING} event opens it, the outcome event completes it; either may come first, so
 * every column only ever fills ({@link #mergedWith}, and {@code COALESCE} in SQL).
 */
record ProjectedExecution(
        UUID taskId,
        String tenantId,
        int attempt,
        Instant startedAt,
        String workerId,
        Instant finishedAt,
        AttemptOutcome outcome,
        TaskError error,
        Long durationMs) {

    /** The attempt an event names, if any; an attempt without a start time is dated by the event. */
    static ProjectedExecution of(TaskEvent e) {
        Execution x = e.execution();
        if (x == null) {
            return null;
        }
        Instant startedAt = x.startedAt() != null ? x.startedAt() : e.occurredAt();
        return new ProjectedExecution(e.taskId(), e.tenantId(), x.attempt(), startedAt, x.workerId(), x.finishedAt(),
                x.outcome(), x.error(), x.durationMs());
    }

    Key key() {
        return new Key(taskId, attempt, startedAt);
    }

    /** Both facts about the same attempt, {@code later}'s values winning where both have one. */
    ProjectedExecution mergedWith(ProjectedExecution later) {
        return new ProjectedExecution(taskId, tenantId, attempt, startedAt,
                or(later.workerId, workerId),
                or(later.finishedAt, finishedAt),
                or(later.outcome, outcome),
                or(later.error, error),
                or(later.durationMs, durationMs));
    }

    private static <T> T or(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }

    record Key(UUID taskId, int attempt, Instant startedAt) {
    }
}
