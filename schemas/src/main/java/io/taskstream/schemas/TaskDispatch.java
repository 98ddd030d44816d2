package io.taskstream.schemas;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * A due task handed to workers on {@code ready.<priority>} (wire name {@code task-dispatch/v1}),
 * keyed by ordering key, else task id.
 *
 * @param attempt       the 1-based number of the attempt this dispatch starts
 * @param deadline      when the scheduler gives up waiting for this attempt's result (visibility timeout)
 * @param encrypt       the submission's flag: {@code payload} is an encrypted envelope, and the worker's
 *                      result is to be encrypted too ({@link io.taskstream.schemas.crypto.PayloadCipher})
 * @param eventVersion  the version the worker gives its {@code PROCESSING} event, so the projection
 *                      orders it after the scheduler's {@code QUEUED} event and before the outcome
 */
public record TaskDispatch(
        UUID taskId,
        String tenantId,
        String type,
        JsonNode payload,
        Priority priority,
        int attempt,
        int maxAttempts,
        Duration timeout,
        String orderingKey,
        Map<String, String> labels,
        UUID scheduleId,
        boolean encrypt,
        Instant createdAt,
        Instant dispatchedAt,
        Instant deadline,
        long eventVersion) {

    public TaskDispatch {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(timeout, "timeout");
        if (attempt < 1 || attempt > maxAttempts) {
            throw new IllegalArgumentException("attempt must be between 1 and maxAttempts");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** This dispatch with {@code newPayload} (the worker's decrypted copy of an encrypted payload). */
    public TaskDispatch withPayload(JsonNode newPayload) {
        return new TaskDispatch(taskId, tenantId, type, newPayload, priority, attempt, maxAttempts, timeout,
                orderingKey, labels, scheduleId, encrypt, createdAt, dispatchedAt, deadline, eventVersion);
    }

    /** The key of this record on the ready topics. */
    public String dispatchKey() {
        return orderingKey != null ? orderingKey : taskId.toString();
    }
}
