package io.taskstream.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * What a worker reports after one attempt, on {@code results} (wire name {@code attempt-result/v1}).
 * The scheduler matches {@code attempt} and {@code fencingToken} against what it dispatched and
 * discards stale results.
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
        Instant finishedAt) {

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
    }

    /** This attempt as the history shows it. */
    public Execution toExecution() {
        return new Execution(attempt, workerId, startedAt, finishedAt, outcome, error, null);
    }
}
