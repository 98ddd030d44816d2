package io.taskstream.ingest.projection;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskProgress;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;

/**
 * The events of one task's life as the scheduler and a worker emit them (docs/wire-conventions.md):
 * admission v1, then per attempt a {@code PROCESSING} event and an outcome event.
 */
public record TaskEvents(UUID taskId, String tenantId, Instant t0) {

    public static TaskEvents of(UUID taskId, String tenantId, Instant t0) {
        return new TaskEvents(taskId, tenantId, t0);
    }

    public TaskSubmission submission() {
        return new TaskSubmission(taskId, tenantId, "email.send", Json.mapper().createObjectNode().put("to", "a@b.c"),
                Priority.HIGH, null, null, 3, null, null, "customer-1", "idem-" + taskId, Map.of("team", "billing"),
                false, null, t0);
    }

    public TaskEvent admitted() {
        return TaskEvent.admitted(submission(), 1, TaskStatus.QUEUED, t0.plusMillis(10), t0);
    }

    public TaskEvent processing(long version, int attempt) {
        Instant start = startOf(attempt);
        return TaskEvent.statusChange(taskId, tenantId, version, TaskStatus.PROCESSING, start, attempt)
                .withExecution(new Execution(attempt, "worker-1", start, null, null, null, null));
    }

    /** A progress event: the attempt's PROCESSING event again, reporting {@code percent} {@code after} its start. */
    public TaskEvent progress(long version, int attempt, int percent, String message, java.time.Duration after) {
        return processing(version, attempt).withProgress(new TaskProgress(percent, message, startOf(attempt).plus(after)));
    }

    public TaskEvent failedAttempt(long version, int attempt, TaskStatus status) {
        Instant start = startOf(attempt);
        TaskError error = TaskError.retryable("handler_error", "boom " + attempt);
        return TaskEvent.statusChange(taskId, tenantId, version, status, start.plusSeconds(1), attempt)
                .withExecution(new Execution(attempt, "worker-1", start, start.plusSeconds(1), AttemptOutcome.FAILED,
                        error, null))
                .withOutcome(null, error)
                .withRunAt(start.plusSeconds(5));
    }

    public TaskEvent completed(long version, int attempt) {
        Instant start = startOf(attempt);
        return TaskEvent.statusChange(taskId, tenantId, version, TaskStatus.COMPLETED, start.plusSeconds(2), attempt)
                .withExecution(new Execution(attempt, "worker-1", start, start.plusSeconds(2),
                        AttemptOutcome.COMPLETED, null, null))
                .withOutcome(Json.mapper().createObjectNode().put("sent", true), null);
    }

    public Instant startOf(int attempt) {
        return t0.plusSeconds(60L * attempt);
    }
}
