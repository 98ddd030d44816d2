package io.taskstream.ingest.tasks;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.crypto.PayloadCipher;
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
 * @param encrypted  true for a task submitted with {@code "encrypt": true} (absent otherwise): its payload
 *                   and result are stored encrypted, and shown here decrypted
 * @param decryptionError why this node could not decrypt the payload or result (e.g. the key id is not in its
 *                   key ring); the field it could not decrypt is shown as the encrypted envelope. Absent
 *                   when there was nothing to decrypt or decryption succeeded
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
        @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode payload,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean encrypted,
        @JsonInclude(JsonInclude.Include.NON_NULL) String decryptionError) {

    /** The view of a task that was not encrypted. */
    public TaskView(UUID id, String tenantId, String type, Priority priority, TaskStatus status, int attempts,
                    Integer maxAttempts, Instant runAt, Instant createdAt, Instant updatedAt, Instant startedAt,
                    Instant finishedAt, JsonNode result, TaskError lastError, Map<String, String> labels,
                    String orderingKey, UUID scheduleId, String traceId, ProgressView progress, JsonNode payload) {
        this(id, tenantId, type, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt, startedAt,
                finishedAt, result, lastError, labels, orderingKey, scheduleId, traceId, progress, payload, null, null);
    }

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
                startedAt, finishedAt, result, lastError, labels, orderingKey, scheduleId, traceId, progress, payload,
                encrypted, decryptionError);
    }

    /** This view of an encrypted task, its payload and result as decrypted (see {@link TaskEncryption}). */
    public TaskView withDecrypted(JsonNode newPayload, JsonNode newResult, String newDecryptionError) {
        return new TaskView(id, tenantId, type, priority, status, attempts, maxAttempts, runAt, createdAt, updatedAt,
                startedAt, finishedAt, newResult, lastError, labels, orderingKey, scheduleId, traceId, progress,
                newPayload, true, newDecryptionError);
    }

    /** Whether the task was submitted encrypted: its row says so, or its payload or result is an envelope. */
    public boolean needsDecryption() {
        return Boolean.TRUE.equals(encrypted) || PayloadCipher.isEnvelope(payload) || PayloadCipher.isEnvelope(result);
    }

    /** The view of a task just accepted: what its read-your-writes row holds. */
    public static TaskView pending(TaskSubmission s, String traceId) {
        return new TaskView(s.id(), s.tenantId(), s.type(), s.priority(), TaskStatus.PENDING, 0, s.maxAttempts(),
                s.dueAt(s.createdAt()), s.createdAt(), s.createdAt(), null, null, null, null, s.labels(),
                s.orderingKey(), s.scheduleId(), traceId, null, null, s.encrypt() ? true : null, null);
    }
}
