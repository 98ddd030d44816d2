package io.taskstream.ingest.tasks;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.control.CancelFlags;
import io.taskstream.ingest.control.ControlPublisher;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

/**
 * Changes to a task after it was accepted: cancel ({@code DELETE /tasks/{id}}) and re-prioritise
 * ({@code PATCH /tasks/{id}}). The API does not change the task itself — the scheduler owns its state —
 * it checks the request against the task view and hands a {@link ControlCommand} to the scheduler
 * through {@code control}; the view changes when the scheduler's event comes back through the
 * projection. So the answer is {@code 202} with the task as it is now.
 *
 * <p>The checks read the view, which may lag the scheduler by the projection's delay: a task the view
 * still shows {@code PROCESSING} may have completed. The scheduler decides with its own state and
 * ignores a command that no longer applies (docs/wire-conventions.md, "Control commands").
 *
 * <p>A cancel sets the Redis cancel flag first ({@link CancelFlags}), then produces {@code CANCEL}: a
 * {@code 202} means both are in place, so a running handler sees the request and the scheduler ends
 * the task. If producing fails ({@code 503}), the flag stays set (the worker will not start another
 * attempt); repeating the request is safe.
 */
public class TaskControl {

    private final TaskRepository repository;
    private final PendingViews pendingViews;
    private final CancelFlags cancelFlags;
    private final ControlPublisher publisher;
    private final Clock clock;

    public TaskControl(TaskRepository repository, PendingViews pendingViews, CancelFlags cancelFlags,
            ControlPublisher publisher, Clock clock) {
        this.repository = repository;
        this.pendingViews = pendingViews;
        this.cancelFlags = cancelFlags;
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * Cancels a task that has not finished, including one known only by its read-your-writes
     * {@code PENDING} row, or by this instance's memory of it ({@link PendingViews}, like {@code GET}).
     * Terminal ({@code COMPLETED}, {@code FAILED}, {@code CANCELLED}) → {@code 409}.
     */
    public TaskView cancel(ApiPrincipal principal, UUID taskId, String traceparent) {
        TaskView task = find(principal, taskId);
        if (task.status().isTerminal()) {
            throw ApiException.conflict("task " + taskId + " is " + task.status()
                    + "; only a task that has not finished can be cancelled");
        }
        Instant now = clock.instant();
        cancelFlags.set(taskId, now);
        publisher.publish(new ControlCommand(taskId, principal.tenantId(), ControlCommand.Kind.CANCEL, null, now,
                principal.keyId()), traceparent);
        return task;
    }

    /**
     * Moves a task that has not started yet to another priority. {@code PROCESSING} or terminal →
     * {@code 409}. The command is sent even when the view already shows {@code priority}: the view may not
     * show an earlier change that is still on its way.
     */
    public TaskView reprioritize(ApiPrincipal principal, UUID taskId, Priority priority, String traceparent) {
        TaskView task = find(principal, taskId);
        if (task.status() == TaskStatus.PROCESSING || task.status().isTerminal()) {
            throw ApiException.conflict("task " + taskId + " is " + task.status()
                    + "; only a task that has not started can be re-prioritised");
        }
        publisher.publish(new ControlCommand(taskId, principal.tenantId(), ControlCommand.Kind.REPRIORITIZE,
                priority, clock.instant(), principal.keyId()), traceparent);
        return task;
    }

    private TaskView find(ApiPrincipal principal, UUID taskId) {
        return pendingViews.read(repository, principal.tenantId(), taskId, false)
                .orElseThrow(() -> ApiException.notFound("no task " + taskId));
    }
}
