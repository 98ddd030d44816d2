package io.taskstream.scheduler.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.taskstream.schemas.Execution;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

/**
 * What the scheduler remembers about one task, in the {@code task-state} store keyed by task id.
 * It is the dedup record (an id present here was admitted), the version counter behind the
 * projection's ordering, the in-flight attempt against which results are matched, and the
 * history a dead letter lists.
 *
 * <p>Later issues add fields here (timer due time for retries, cancel flags, the fencing token
 * of the in-flight attempt); the JSON mapper ignores unknown fields, so an older scheduler can
 * still read a newer state and the other way round.
 *
 * @param status       the last status the scheduler published
 * @param version      the last {@code TaskEvent.version} used or reserved (a dispatch reserves one
 *                     for the worker's {@code PROCESSING} event)
 * @param attempts     attempts dispatched so far; while {@code QUEUED} after a dispatch, the
 *                     in-flight attempt is this number
 * @param submission   the admitted submission (id, priority and createdAt resolved); null for a
 *                     record rejected as invalid
 * @param dueAt        when the task is (or was) due
 * @param dispatchedAt when the in-flight attempt was dispatched; null while not dispatched
 * @param deadline     when the scheduler stops waiting for the in-flight attempt
 * @param executions   every finished attempt, oldest first
 * @param traceparent  the W3C trace context of the submission, propagated to every output
 */
public record TaskState(
        UUID taskId,
        String tenantId,
        TaskStatus status,
        long version,
        int attempts,
        TaskSubmission submission,
        Instant dueAt,
        Instant dispatchedAt,
        Instant deadline,
        List<Execution> executions,
        String traceparent,
        Instant updatedAt) {

    public TaskState {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        executions = executions == null ? List.of() : List.copyOf(executions);
    }

    /** A task just admitted: version 1, {@code QUEUED} or {@code SCHEDULED}, nothing dispatched. */
    public static TaskState admitted(TaskSubmission submission, TaskStatus status, Instant dueAt, String traceparent,
                                     Instant now) {
        return new TaskState(submission.id(), submission.tenantId(), status, 1, 0, submission, dueAt, null, null,
                List.of(), traceparent, now);
    }

    /** A readable record that broke the schema: a {@code FAILED} task (version 1) that never runs. */
    public static TaskState rejected(UUID taskId, String tenantId, String traceparent, Instant now) {
        return new TaskState(taskId, tenantId, TaskStatus.FAILED, 1, 0, null, null, null, null, List.of(),
                traceparent, now);
    }

    /** The version the next event of this task must carry. */
    public long nextVersion() {
        return version + 1;
    }

    /** True when {@code attempt} is the attempt the scheduler dispatched and waits for. */
    public boolean awaits(int attempt) {
        return status == TaskStatus.QUEUED && dispatchedAt != null && attempts == attempt;
    }

    /**
     * This task after publishing {@code newStatus} with {@code newVersion}; no attempt is in
     * flight any more until {@link #dispatched} says so.
     */
    public TaskState moved(TaskStatus newStatus, long newVersion, Instant now) {
        return new TaskState(taskId, tenantId, newStatus, newVersion, attempts, submission, dueAt, null, null,
                executions, traceparent, now);
    }

    /** This task after dispatching its next attempt, {@code reservedVersion} kept for the worker. */
    public TaskState dispatched(long reservedVersion, Instant dispatchedAt, Instant deadline) {
        return new TaskState(taskId, tenantId, TaskStatus.QUEUED, reservedVersion, attempts + 1, submission, dueAt,
                dispatchedAt, deadline, executions, traceparent, dispatchedAt);
    }

    /** This task with one more finished attempt in its history. */
    public TaskState withExecution(Execution execution) {
        List<Execution> all = new ArrayList<>(executions);
        all.add(execution);
        return new TaskState(taskId, tenantId, status, version, attempts, submission, dueAt, dispatchedAt, deadline,
                all, traceparent, updatedAt);
    }
}
