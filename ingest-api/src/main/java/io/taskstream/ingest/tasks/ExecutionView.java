package io.taskstream.ingest.tasks;

import java.time.Instant;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.TaskError;

/**
 * One attempt of a task as the API shows it ({@code GET /tasks/{id}/executions}, the DLQ's detail),
 * read from {@code task_executions}. {@code outcome}, {@code finishedAt} and {@code durationMs} are null
 * while the attempt runs.
 */
public record ExecutionView(
        int attempt,
        String workerId,
        Instant startedAt,
        Instant finishedAt,
        AttemptOutcome outcome,
        TaskError error,
        Long durationMs) {
}
