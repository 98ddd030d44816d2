package io.taskstream.scheduler.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

/**
 * What the scheduler remembers about one task, in the {@code task-state} store keyed by task id.
 * It is the dedup record (an id present here was admitted), the version counter behind the
 * projection's ordering, the in-flight attempt against which results are matched, and the
 * history a dead letter lists.
 *
 * <p>Where a task sits in the time indexes of {@link TaskStore} follows from its state alone
 * ({@link #timerAt()}, {@link #deadlineAt()}, {@link #purgeAt()}), so the indexes can never
 * disagree with it for long: {@link TaskStore#save} moves the entries with every change.
 *
 * <p>The scheduler's statuses: {@code SCHEDULED} and {@code RETRY_SCHEDULED} wait in the timer
 * index; {@code QUEUED} with a {@code dispatchedAt} is an attempt in flight (the worker's
 * {@code PROCESSING} is not seen here); terminal statuses wait in the purge index for the dedup
 * window; {@code PENDING} is only a placeholder for a task that a {@code CANCEL} or a
 * {@code REPRIORITIZE} reached before its submission did (it waits in the purge index too, so a
 * placeholder whose submission never comes does not stay forever).
 *
 * <p>A {@code DEFERRED} result puts the task back to waiting ({@code RETRY_SCHEDULED}) with its
 * attempt count one lower ({@link #deferred}), so the next dispatch carries the deferred attempt's
 * number again; {@link #deferrals} bounds how often that may happen.
 *
 * <p>The JSON mapper ignores unknown fields and defaults missing ones, so an older scheduler can
 * still read a newer state and the other way round.
 *
 * @param status          the last status the scheduler published ({@code PENDING}: not admitted yet)
 * @param version         the last {@code TaskEvent.version} used or reserved (a dispatch reserves
 *                        one for the worker's {@code PROCESSING} event)
 * @param attempts        attempts dispatched so far (since the last replay); while in flight, the
 *                        in-flight attempt is this number
 * @param submission      the admitted submission (id, priority and createdAt resolved); null for a
 *                        record rejected as invalid and for a {@code PENDING} placeholder
 * @param dueAt           when the task (or its next attempt) is, or was, due
 * @param dispatchedAt    when the in-flight attempt was dispatched; null while none is in flight
 * @param deadline        when the scheduler stops waiting for the in-flight attempt
 * @param executions      every finished attempt, oldest first (across replays)
 * @param traceparent     the W3C trace context of the submission, propagated to every output
 * @param cancelRequested a {@code CANCEL} arrived while an attempt was in flight (or before the
 *                        task was admitted): the attempt's outcome ends the task
 * @param purgeAt         when the state of this finished task (or placeholder) is deleted (end + dedup window)
 * @param requestedPriority placeholders only: the priority a {@code REPRIORITIZE} asked for before the
 *                        task was admitted, which the submission is admitted with; null otherwise
 * @param fencingToken    the highest lease fencing token of a result the scheduler accepted for this
 *                        task (0: none yet, or only from workers without leases); kept across replays
 * @param deferrals       {@code DEFERRED} results accepted since the task was admitted (or replayed)
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
        Instant updatedAt,
        boolean cancelRequested,
        Instant purgeAt,
        Priority requestedPriority,
        long fencingToken,
        int deferrals) {

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
                List.of(), traceparent, now, false, null, null, 0, 0);
    }

    /** A readable record that broke the schema: a {@code FAILED} task (version 1) that never runs. */
    public static TaskState rejected(UUID taskId, String tenantId, String traceparent, Instant now, Instant purgeAt) {
        return new TaskState(taskId, tenantId, TaskStatus.FAILED, 1, 0, null, null, null, null, List.of(),
                traceparent, now, false, purgeAt, null, 0, 0);
    }

    /**
     * A {@code CANCEL} for a task not admitted yet (the command overtook its submission): a
     * placeholder that makes the submission, when it comes, end {@code CANCELLED} at once.
     * Nothing was published for it (version 0); it is purged at {@code purgeAt} if no submission comes.
     */
    public static TaskState cancelledBeforeAdmission(UUID taskId, String tenantId, Instant now, Instant purgeAt) {
        return new TaskState(taskId, tenantId, TaskStatus.PENDING, 0, 0, null, null, null, null, List.of(), null,
                now, true, purgeAt, null, 0, 0);
    }

    /**
     * A {@code REPRIORITIZE} for a task not admitted yet: a placeholder that makes the submission,
     * when it comes, be admitted with {@code priority}. Like the cancel placeholder, nothing was
     * published for it (version 0) and it is purged at {@code purgeAt} if no submission comes.
     */
    public static TaskState reprioritizedBeforeAdmission(UUID taskId, String tenantId, Priority priority,
                                                         Instant now, Instant purgeAt) {
        return new TaskState(taskId, tenantId, TaskStatus.PENDING, 0, 0, null, null, null, null, List.of(), null,
                now, false, purgeAt, Objects.requireNonNull(priority, "priority"), 0, 0);
    }

    /**
     * A {@code FAILED} task replayed after its state was purged, from the submission the
     * {@code REPLAY} carried: {@code QUEUED} at {@code version} (after the projection's), attempts
     * from 0, due now. Its earlier executions are gone with the purged state.
     */
    public static TaskState readmitted(TaskSubmission submission, long version, String traceparent, Instant now) {
        return new TaskState(submission.id(), submission.tenantId(), TaskStatus.QUEUED, version, 0, submission, now,
                null, null, List.of(), traceparent, now, false, null, null, 0, 0);
    }

    /** The version the next event of this task must carry. */
    public long nextVersion() {
        return version + 1;
    }

    /** True for the placeholders of {@link #cancelledBeforeAdmission} and {@link #reprioritizedBeforeAdmission}. */
    public boolean isPlaceholder() {
        return status == TaskStatus.PENDING;
    }

    /** True while the task waits for a due time ({@code SCHEDULED}, {@code RETRY_SCHEDULED}), not dispatched. */
    public boolean isWaiting() {
        return status == TaskStatus.SCHEDULED || status == TaskStatus.RETRY_SCHEDULED;
    }

    /** True while an attempt is dispatched and its result awaited. */
    public boolean isInFlight() {
        return status == TaskStatus.QUEUED && dispatchedAt != null;
    }

    /** True when {@code attempt} is the attempt the scheduler dispatched and waits for. */
    public boolean awaits(int attempt) {
        return isInFlight() && attempts == attempt;
    }

    /** Where the task sits in the timer index: its due time while waiting, else null. */
    public Instant timerAt() {
        return isWaiting() ? dueAt : null;
    }

    /** Where the task sits in the deadline index: the in-flight attempt's deadline, else null. */
    public Instant deadlineAt() {
        return isInFlight() ? deadline : null;
    }

    /**
     * This task after publishing {@code newStatus} with {@code newVersion}; no attempt is in
     * flight any more until {@link #dispatched} says so.
     */
    public TaskState moved(TaskStatus newStatus, long newVersion, Instant now) {
        return new TaskState(taskId, tenantId, newStatus, newVersion, attempts, submission, dueAt, null, null,
                executions, traceparent, now, cancelRequested, purgeAt, null, fencingToken, deferrals);
    }

    /** This task waiting ({@code SCHEDULED}/{@code RETRY_SCHEDULED}) until {@code newDueAt}. */
    public TaskState waiting(TaskStatus newStatus, long newVersion, Instant newDueAt, Instant now) {
        return new TaskState(taskId, tenantId, newStatus, newVersion, attempts, submission, newDueAt, null, null,
                executions, traceparent, now, cancelRequested, purgeAt, null, fencingToken, deferrals);
    }

    /**
     * This task after its in-flight attempt was deferred: {@code RETRY_SCHEDULED} at {@code newVersion}
     * until {@code retryAt}, one deferral more, and the attempt not counted (attempts one lower), so the
     * next dispatch carries the same attempt number again. Nothing is in flight any more, so the
     * deferred dispatch leaves the deadline index.
     */
    public TaskState deferred(long newVersion, Instant retryAt, Instant now) {
        return new TaskState(taskId, tenantId, TaskStatus.RETRY_SCHEDULED, newVersion, attempts - 1, submission,
                retryAt, null, null, executions, traceparent, now, cancelRequested, purgeAt, null, fencingToken,
                deferrals + 1);
    }

    /** This task after dispatching its next attempt, {@code reservedVersion} kept for the worker. */
    public TaskState dispatched(long reservedVersion, Instant dispatchedAt, Instant deadline) {
        return new TaskState(taskId, tenantId, TaskStatus.QUEUED, reservedVersion, attempts + 1, submission, dueAt,
                dispatchedAt, deadline, executions, traceparent, dispatchedAt, cancelRequested, purgeAt, null,
                fencingToken, deferrals);
    }

    /** This task finished with {@code newStatus}; its state is kept until {@code newPurgeAt} (the dedup window). */
    public TaskState ended(TaskStatus newStatus, long newVersion, Instant now, Instant newPurgeAt) {
        return new TaskState(taskId, tenantId, newStatus, newVersion, attempts, submission, dueAt, null, null,
                executions, traceparent, now, false, newPurgeAt, null, fencingToken, deferrals);
    }

    /**
     * A {@code FAILED} task replayed: attempts start again at 1 and deferrals at 0, {@code QUEUED} at
     * {@code newVersion}. The fencing token stays: leases on the task keep counting up.
     */
    public TaskState replayed(long newVersion, Instant now) {
        return new TaskState(taskId, tenantId, TaskStatus.QUEUED, newVersion, 0, submission, now, null, null,
                executions, traceparent, now, false, null, null, fencingToken, 0);
    }

    /** This task with a cancel requested for its in-flight attempt. */
    public TaskState withCancelRequested(Instant now) {
        return new TaskState(taskId, tenantId, status, version, attempts, submission, dueAt, dispatchedAt, deadline,
                executions, traceparent, now, true, purgeAt, null, fencingToken, deferrals);
    }

    /** This task moved to {@code priority} (its next dispatch goes to that ready topic), at {@code newVersion}. */
    public TaskState withPriority(Priority priority, long newVersion, Instant now) {
        return new TaskState(taskId, tenantId, status, newVersion, attempts, submission.withPriority(priority), dueAt,
                dispatchedAt, deadline, executions, traceparent, now, cancelRequested, purgeAt, null, fencingToken,
                deferrals);
    }

    /** This task with one more finished attempt in its history. */
    public TaskState withExecution(Execution execution) {
        List<Execution> all = new ArrayList<>(executions);
        all.add(execution);
        return new TaskState(taskId, tenantId, status, version, attempts, submission, dueAt, dispatchedAt, deadline,
                all, traceparent, updatedAt, cancelRequested, purgeAt, null, fencingToken, deferrals);
    }

    /** This task having accepted a result with fencing {@code token}: the highest token seen rises to it. */
    public TaskState withFencingToken(long token) {
        return new TaskState(taskId, tenantId, status, version, attempts, submission, dueAt, dispatchedAt, deadline,
                executions, traceparent, updatedAt, cancelRequested, purgeAt, requestedPriority,
                Math.max(fencingToken, token), deferrals);
    }

    // ---------------------------------------------------------------- which results are stale

    /**
     * True when a result with fencing {@code token} comes from a worker whose lease on the task was
     * superseded: a later lease (a higher token) already reported a result the scheduler accepted.
     * Token 0 (a worker without leases) is never fenced.
     */
    public boolean fences(long token) {
        return token > 0 && token < fencingToken;
    }

    /**
     * True when {@code result}, though for the in-flight attempt number, belongs to the dispatch that a
     * deferral replaced: the in-flight dispatch runs a deferred attempt again (the last execution is
     * that attempt's {@code DEFERRED}), and the result carries no newer lease than the one that deferred
     * it (every lease taken for the new dispatch has a higher token). A worker without leases (token 0)
     * cannot be told apart that way; its exact repeat of the deferral (same worker and start) is caught.
     */
    public boolean supersedes(AttemptResult result) {
        Execution last = executions.isEmpty() ? null : executions.getLast();
        if (!isInFlight() || last == null || last.outcome() != AttemptOutcome.DEFERRED
                || last.attempt() != attempts || result.attempt() != attempts) {
            return false;
        }
        if (result.fencingToken() > 0) {
            return result.fencingToken() <= fencingToken;
        }
        return Objects.equals(result.startedAt(), last.startedAt()) && Objects.equals(result.workerId(), last.workerId());
    }
}
