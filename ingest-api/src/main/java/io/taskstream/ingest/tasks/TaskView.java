package io.taskstream.ingest.tasks;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.JsonNode;

/**
 * A task as the API shows it (CONTRACT.md §2, {@code GET /tasks/{id}}). Read from Postgres only;
 * {@code payload} is present only when asked for ({@code ?include=payload}).
 *
 * @param runAt      when the task is (or was) due
 * @param startedAt  when its first attempt started
 * @param finishedAt when it reached a terminal status
 * @param lastError  the error of the latest failed attempt
 * @param progress   what the running attempt last reported; null unless the task is {@code PROCESSING}
 *                   and its attempt has reported progress
 */
public record TaskView(
        UUID id,
        String tenantId,
        String type,
        Priority priority,
        TaskStatus status,
        int attempts,
        Integer maxAttempts,
        Instant runAt,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        JsonNode result,
        TaskError lastError,
        Map<String, String> labels,
        String orderingKey,
        UUID scheduleId,
        String traceId,
        ProgressView progress,
        @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode payload) {

    /** The view of a task that shows no progress. */
    public TaskView(UUID id, String tenantId, String type, Priority priority, TaskStatus status, int attempts,
                    Integer maxAttempts, Instant runAt, Instant createdAt, Instant updatedAt, Instant startedAt,
                    Instant finishedAt, JsonNode result, TaskError lastError, Map<String, String> labels,
                    String orderingKey, UUID scheduleId, String traceId, JsonNode payload) {
        this(id, tenantId, type, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt, startedAt,
                finishedAt, result, lastError, labels, orderingKey, scheduleId, traceId, null, payload);
    }

    /** This view with {@code payload} (for {@code ?include=payload}). */
    public TaskView withPayload(JsonNode payload) {
        return new TaskView(id, tenantId, type, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt,
                startedAt, finishedAt, result, lastError, labels, orderingKey, scheduleId, traceId, progress, payload);
    }

    /** The view of a task just accepted: what its read-your-writes row holds. */
    public static TaskView pending(TaskSubmission s, String traceId) {
        return new TaskView(s.id(), s.tenantId(), s.type(), s.priority(), TaskStatus.PENDING, 0, s.maxAttempts(),
                s.dueAt(s.createdAt()), s.createdAt(), s.createdAt(), null, null, null, null, s.labels(),
                s.orderingKey(), s.scheduleId(), traceId, null);
    }
}
