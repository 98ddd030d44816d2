package io.taskstream.schemas;

import java.time.Instant;

/** One attempt at running a task, as the history shows it; {@code outcome} is null while it runs. */
public record Execution(int attempt, String workerId, Instant startedAt, Instant finishedAt,
                        AttemptOutcome outcome, TaskError error, Long durationMs) {
    public Execution {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based");
        }
        if (durationMs == null && startedAt != null && finishedAt != null) {
            durationMs = Math.max(0, finishedAt.toEpochMilli() - startedAt.toEpochMilli());
        }
    }
}
