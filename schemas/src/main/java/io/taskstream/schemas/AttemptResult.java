package io.taskstream.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * What a worker reports after one attempt, on {@code results} (wire name {@code attempt-result/v1}).
 * The scheduler matches {@code attempt} and {@code fencingToken} against what it dispatched and
 * discards stale results.
 *
 * <p>Every outcome but {@code COMPLETED} carries an {@code error}; for {@code DEFERRED} it says why
 * the attempt did not run to an end ({@code snoozed}, {@code interrupted} …). {@code retryAt} is
 * given with {@code DEFERRED} and only with it: when the worker wants the same attempt to run
 * again (the scheduler clamps it to its own bounds, and does not count the deferred attempt).
 *
 * @param fencingToken the token of the worker's lease on the task while it ran the attempt; 0 from a
 *                     worker without leases
 * @param retryAt      {@code DEFERRED} only: when to run the attempt again
 */
public record AttemptResult(
        UUID taskId,
        String tenantId,
        int attempt,
        long fencingToken,
        String workerId,
        AttemptOutcome outcome,
        JsonNode result,
        TaskError error,
        Instant startedAt,
        Instant finishedAt,
        Instant retryAt) {

    public AttemptResult {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(outcome, "outcome");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based");
        }
        if (outcome != AttemptOutcome.COMPLETED && error == null) {
            throw new IllegalArgumentException("a " + outcome + " attempt needs an error");
        }
        if ((outcome == AttemptOutcome.DEFERRED) != (retryAt != null)) {
            throw new IllegalArgumentException("retryAt is given with a DEFERRED attempt, and only with one");
        }
    }

    /** A result of any outcome but {@code DEFERRED} (no {@code retryAt}). */
    public AttemptResult(UUID taskId, String tenantId, int attempt, long fencingToken, String workerId,
                         AttemptOutcome outcome, JsonNode result, TaskError error, Instant startedAt,
                         Instant finishedAt) {
        this(taskId, tenantId, attempt, fencingToken, workerId, outcome, result, error, startedAt, finishedAt, null);
    }

    /** A {@code DEFERRED} result: the attempt is to run again at {@code retryAt}; {@code reason} says why. */
    public static AttemptResult deferred(UUID taskId, String tenantId, int attempt, long fencingToken,
                                         String workerId, TaskError reason, Instant startedAt, Instant finishedAt,
                                         Instant retryAt) {
        return new AttemptResult(taskId, tenantId, attempt, fencingToken, workerId, AttemptOutcome.DEFERRED, null,
                reason, startedAt, finishedAt, Objects.requireNonNull(retryAt, "retryAt"));
    }

    /** This attempt as the history shows it. */
    public Execution toExecution() {
        return new Execution(attempt, workerId, startedAt, finishedAt, outcome, error, null);
    }
}
