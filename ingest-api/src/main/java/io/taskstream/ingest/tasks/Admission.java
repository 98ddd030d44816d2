package io.taskstream.ingest.tasks;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Priority;

/**
 * Admission control: whether a new task of a priority may be accepted now. Asked once per new task
 * (a single submission or one item of a batch), after validation and the idempotency check — an
 * idempotent retry of a task already accepted is answered whatever the queues hold — and before the
 * submission is produced.
 */
@FunctionalInterface
public interface Admission {

    /**
     * Returns when a new task of {@code priority} for {@code tenantId} may be accepted.
     *
     * @throws ApiException {@code 503 queue_full} (with {@code Retry-After}) when it may not
     */
    void admit(String tenantId, Priority priority);
}
