package io.taskstream.schemas;

/**
 * Where a task is in its life. {@code PENDING → SCHEDULED → QUEUED → PROCESSING → COMPLETED};
 * a failed attempt goes {@code RETRY_SCHEDULED → QUEUED …}; exhausted or non-retryable ends
 * {@code FAILED}; {@code CANCELLED} on request.
 */
public enum TaskStatus {
    PENDING, SCHEDULED, QUEUED, PROCESSING, RETRY_SCHEDULED, COMPLETED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
