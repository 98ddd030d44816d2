package io.taskstream.ingest.projection;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskProgress;
import io.taskstream.schemas.TaskStatus;
import tools.jackson.databind.JsonNode;

/**
 * What one {@link TaskEvent} contributes to its task's row in {@code tasks}, column by column.
 * Derived columns: {@code startedAt} (the start of the attempt a {@code PROCESSING} or outcome event
 * names) and {@code finishedAt} (when a terminal event happened); {@code createdAt} falls back to the
 * event time for events that do not carry it, as a placeholder until the admission event fills it.
 * {@code progress} is a progress event's (null for every other event).
 */
record ProjectedTask(
        UUID id,
        String tenantId,
        long version,
        TaskStatus status,
        Instant updatedAt,
        String type,
        Priority priority,
        int attempts,
        Integer maxAttempts,
        Instant runAt,
        Instant createdAt,
        Map<String, String> labels,
        String orderingKey,
        UUID scheduleId,
        String idempotencyKey,
        JsonNode payload,
        JsonNode result,
        TaskError lastError,
        Instant startedAt,
        Instant finishedAt,
        TaskProgress progress) {

    Integer progressPercent() {
        return progress == null ? null : progress.percent();
    }

    String progressMessage() {
        return progress == null ? null : progress.message();
    }

    Instant progressAt() {
        return progress == null ? null : progress.at();
    }

    /** The same contribution without the idempotency key (another task of the batch claims it). */
    ProjectedTask withoutIdempotencyKey() {
        return new ProjectedTask(id, tenantId, version, status, updatedAt, type, priority, attempts, maxAttempts, runAt,
                createdAt, labels, orderingKey, scheduleId, null, payload, result, lastError, startedAt, finishedAt,
                progress);
    }

    static ProjectedTask of(TaskEvent e) {
        Execution execution = e.execution();
        Instant startedAt = null;
        if (e.status() == TaskStatus.PROCESSING) {
            startedAt = execution != null && execution.startedAt() != null ? execution.startedAt() : e.occurredAt();
        } else if (execution != null) {
            startedAt = execution.startedAt();
        }
        Instant finishedAt = null;
        if (e.status().isTerminal()) {
            finishedAt = execution != null && execution.finishedAt() != null ? execution.finishedAt() : e.occurredAt();
        }
        Instant createdAt = e.createdAt() != null ? e.createdAt() : e.occurredAt();
        return new ProjectedTask(e.taskId(), e.tenantId(), e.version(), e.status(), e.occurredAt(), e.type(),
                e.priority(), e.attempts(), e.maxAttempts(), e.runAt(), createdAt, e.labels(), e.orderingKey(),
                e.scheduleId(), e.idempotencyKey(), e.payload(), e.result(), e.error(), startedAt, finishedAt,
                e.progress());
    }
}
