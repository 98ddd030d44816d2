package io.taskstream.schemas;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * A change of a task's status, on {@code events} (wire name {@code task-event/v1}). The projection
 * applies an event only when its {@code version} is higher than the one it holds, so replays and
 * out-of-order arrival never move a status backwards. Descriptive fields ({@code type},
 * {@code labels}, {@code payload} …) are carried by the admission event and may be absent later.
 *
 * <p>A <em>progress event</em> is a worker's {@code PROCESSING} event that also carries
 * {@link #progress()}: it has the same version as the attempt's {@code PROCESSING} event, and the
 * projection applies its progress at that version too (docs/wire-conventions.md, "Progress").
 *
 * @param attempts   attempts started so far
 * @param runAt      when the next attempt is due ({@code SCHEDULED}, {@code RETRY_SCHEDULED})
 * @param execution  the attempt this event closes or starts, if any
 * @param progress   how far the running attempt has got; only on {@code PROCESSING} events
 */
public record TaskEvent(
        UUID taskId,
        String tenantId,
        long version,
        TaskStatus status,
        Instant occurredAt,
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
        TaskError error,
        Execution execution,
        TaskProgress progress) {

    public TaskEvent {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative");
        }
        if (progress != null && status != TaskStatus.PROCESSING) {
            throw new IllegalArgumentException("only a PROCESSING event carries progress (was " + status + ")");
        }
    }

    /** An event without progress: every event but a worker's progress report. */
    public TaskEvent(UUID taskId, String tenantId, long version, TaskStatus status, Instant occurredAt, String type,
                     Priority priority, int attempts, Integer maxAttempts, Instant runAt, Instant createdAt,
                     Map<String, String> labels, String orderingKey, UUID scheduleId, String idempotencyKey,
                     JsonNode payload, JsonNode result, TaskError error, Execution execution) {
        this(taskId, tenantId, version, status, occurredAt, type, priority, attempts, maxAttempts, runAt, createdAt,
                labels, orderingKey, scheduleId, idempotencyKey, payload, result, error, execution, null);
    }

    /** An event that only moves the status; descriptive fields stay as the projection has them. */
    public static TaskEvent statusChange(UUID taskId, String tenantId, long version, TaskStatus status,
                                         Instant occurredAt, int attempts) {
        return new TaskEvent(taskId, tenantId, version, status, occurredAt, null, null, attempts, null, null,
                null, null, null, null, null, null, null, null, null);
    }

    /** The first event of a task, carrying everything the projection needs to create its row. */
    public static TaskEvent admitted(TaskSubmission s, long version, TaskStatus status, Instant occurredAt,
                                     Instant dueAt) {
        return new TaskEvent(s.id(), s.tenantId(), version, status, occurredAt, s.type(), s.priority(), 0,
                s.maxAttempts(), dueAt, s.createdAt(), s.labels(), s.orderingKey(), s.scheduleId(),
                s.idempotencyKey(), s.payload(), null, null, null);
    }

    public TaskEvent withExecution(Execution newExecution) {
        return new TaskEvent(taskId, tenantId, version, status, occurredAt, type, priority, attempts, maxAttempts,
                runAt, createdAt, labels, orderingKey, scheduleId, idempotencyKey, payload, result, error,
                newExecution, progress);
    }

    public TaskEvent withOutcome(JsonNode newResult, TaskError newError) {
        return new TaskEvent(taskId, tenantId, version, status, occurredAt, type, priority, attempts, maxAttempts,
                runAt, createdAt, labels, orderingKey, scheduleId, idempotencyKey, payload, newResult, newError,
                execution, progress);
    }

    public TaskEvent withRunAt(Instant newRunAt) {
        return new TaskEvent(taskId, tenantId, version, status, occurredAt, type, priority, attempts, maxAttempts,
                newRunAt, createdAt, labels, orderingKey, scheduleId, idempotencyKey, payload, result, error,
                execution, progress);
    }

    /**
     * This {@code PROCESSING} event reporting {@code newProgress}, at its time: the same version,
     * attempt and execution (see the class comment).
     */
    public TaskEvent withProgress(TaskProgress newProgress) {
        return new TaskEvent(taskId, tenantId, version, status, newProgress.at(), type, priority, attempts,
                maxAttempts, runAt, createdAt, labels, orderingKey, scheduleId, idempotencyKey, payload, result, error,
                execution, newProgress);
    }
}
