package io.taskstream.scheduler.lifecycle;

import java.time.Duration;
import java.time.Instant;

import io.taskstream.scheduler.dispatch.Dispatcher;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.schedules.ScheduleRun;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.retry.RetryPolicy;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.tracing.Tracing;
import tools.jackson.databind.JsonNode;

/**
 * Every change of a task's status, in one place: each method publishes the task's events (one
 * version higher each time), dispatches or dead-letters it, and saves its next state (which moves
 * it between the time indexes of {@link TaskStore}). The processors (admission, outcome, control)
 * and the wall-clock {@link Tick} decide <i>which</i> change applies; this class knows <i>how</i>.
 *
 * <pre>
 *  admitted ─┬─ due now ──→ QUEUED ─ dispatch ─→ (in flight) ─┬─ COMPLETED
 *            └─ due later → SCHEDULED ─ timer ─┘               ├─ failed, retryable, attempts left
 *                                                              │     → RETRY_SCHEDULED ─ timer ─→ QUEUED …
 *                                                              ├─ failed otherwise → FAILED + dead letter
 *                                                              ├─ DEFERRED → RETRY_SCHEDULED until retryAt,
 *                                                              │     same attempt number again (too many: FAILED)
 *                                                              └─ deadline passed → TIMED_OUT, as a failure
 *  CANCEL: waiting → CANCELLED · in flight → the outcome decides (only COMPLETED survives)
 *          · not admitted yet → placeholder, admitted straight as CANCELLED
 *  REPRIORITIZE: waiting → same status, new priority · not admitted yet → placeholder, admitted with it
 *  REPLAY: FAILED → QUEUED, attempts from 1 again · state purged → re-admitted QUEUED from the
 *          submission the command carries, versions after the projection's
 * </pre>
 *
 * One instance per processor and stream task (it holds that task's stores and output context).
 */
public final class TaskLifecycle {

    public static final String NON_RETRYABLE = "non_retryable";
    public static final String ATTEMPTS_EXHAUSTED = "attempts_exhausted";
    public static final String TIMEOUT = "timeout";
    public static final String CANCELLED = "cancelled";
    public static final String TOO_MANY_DEFERRALS = "too_many_deferrals";

    /**
     * What every stream task's lifecycle shares (thread-safe, built once with the topology); each
     * processor makes its own lifecycle from it in {@code init}.
     */
    public record Rules(Dispatcher dispatcher, RetryPolicy retryPolicy, SchedulerMetrics metrics,
                        Duration dedupWindow, Deferrals deferrals, Tracing tracing) {

        /** The lifecycle of one processor instance, over its stores and output context. */
        public TaskLifecycle lifecycle(TaskStore store, Outputs out) {
            return new TaskLifecycle(store, out, dispatcher, retryPolicy, metrics, dedupWindow, deferrals);
        }
    }

    /**
     * The bounds on {@code DEFERRED} results ({@code taskstream.scheduler.deferral.*}).
     *
     * @param maxDelay   a {@code retryAt} further ahead than now + this is brought back to it
     * @param maxPerTask deferrals a task may have; the next {@code DEFERRED} fails it
     */
    public record Deferrals(Duration maxDelay, int maxPerTask) {
    }

    private final TaskStore store;
    private final Outputs out;
    private final Dispatcher dispatcher;
    private final RetryPolicy retryPolicy;
    private final SchedulerMetrics metrics;
    private final Duration dedupWindow;
    private final Deferrals deferrals;

    public TaskLifecycle(TaskStore store, Outputs out, Dispatcher dispatcher, RetryPolicy retryPolicy,
                         SchedulerMetrics metrics, Duration dedupWindow, Deferrals deferrals) {
        this.store = store;
        this.out = out;
        this.dispatcher = dispatcher;
        this.retryPolicy = retryPolicy;
        this.metrics = metrics;
        this.dedupWindow = dedupWindow;
        this.deferrals = deferrals;
    }

    /** When the state of a task that ends at {@code now} is purged. */
    public Instant purgeTime(Instant now) {
        return now.plus(dedupWindow);
    }

    // ---------------------------------------------------------------- admission and due time

    /**
     * Admits a valid submission (id and createdAt resolved) whose id is free, or taken only by a
     * placeholder. A placeholder of the same tenant applies what overtook the submission: a
     * {@linkplain TaskState#cancelledBeforeAdmission cancel} admits it straight as
     * {@code CANCELLED}; a {@linkplain TaskState#reprioritizedBeforeAdmission re-prioritisation}
     * admits it with the requested priority (its events and its dispatch say so). Due at or before
     * now: {@code QUEUED} (version 1) and dispatched; due later: {@code SCHEDULED} (version 1) and a timer.
     */
    public void admit(TaskSubmission submitted, TaskState placeholder, String traceparent, Instant now) {
        boolean applies = placeholder != null && placeholder.tenantId().equals(submitted.tenantId());
        TaskSubmission submission = applies && placeholder.requestedPriority() != null
                ? submitted.withPriority(placeholder.requestedPriority()) : submitted;
        Instant dueAt = submission.dueAt(submission.createdAt());
        metrics.submitted(submission);
        if (applies && placeholder.cancelRequested()) {
            TaskError error = TaskError.permanent(CANCELLED, "cancelled before it was admitted");
            out.event(TaskEvent.admitted(submission, 1, TaskStatus.CANCELLED, now, dueAt).withOutcome(null, error),
                    traceparent, now);
            TaskState admitted = TaskState.admitted(submission, TaskStatus.CANCELLED, dueAt, traceparent, now);
            store.save(placeholder, admitted.ended(TaskStatus.CANCELLED, 1, now, purgeTime(now)));
            metrics.ended(TaskStatus.CANCELLED, submission);
            scheduleRunEnded(submission, TaskStatus.CANCELLED, now);
            return;
        }
        if (dueAt.isAfter(now)) {
            out.event(TaskEvent.admitted(submission, 1, TaskStatus.SCHEDULED, now, dueAt), traceparent, now);
            store.save(placeholder, TaskState.admitted(submission, TaskStatus.SCHEDULED, dueAt, traceparent, now));
        } else {
            out.event(TaskEvent.admitted(submission, 1, TaskStatus.QUEUED, now, dueAt), traceparent, now);
            TaskState queued = TaskState.admitted(submission, TaskStatus.QUEUED, dueAt, traceparent, now);
            store.save(placeholder, dispatcher.dispatch(queued, now, out));
        }
    }

    /** A waiting task whose due time came: {@code QUEUED} and its next attempt dispatched. */
    public void release(TaskState waiting, Instant now) {
        store.save(waiting, dispatcher.queueAndDispatch(waiting, now, out));
    }

    // ---------------------------------------------------------------- outcomes

    /**
     * The result of the in-flight attempt ({@code state.awaits(result.attempt())} holds, and it is
     * neither fenced nor superseded): it joins the history and its fencing token the task's state.
     */
    public void attemptEnded(TaskState state, AttemptResult result, Instant now) {
        Execution execution = result.toExecution();
        TaskState withHistory = state.withExecution(execution).withFencingToken(result.fencingToken());
        switch (result.outcome()) {
            case COMPLETED -> end(state, withHistory, TaskStatus.COMPLETED, result.result(), null, execution, now);
            case CANCELLED -> end(state, withHistory, TaskStatus.CANCELLED, null, result.error(), execution, now);
            case FAILED, TIMED_OUT -> failed(state, withHistory, result.error(), execution, now);
            case DEFERRED -> deferred(state, withHistory, result, execution, now);
        }
    }

    /**
     * A {@code DEFERRED} attempt: the task waits ({@code RETRY_SCHEDULED}, {@code runAt} = the result's
     * {@code retryAt} clamped to [now, now + max delay]) and the attempt does not count, so the next
     * dispatch carries the same attempt number; due at once, it is {@code QUEUED} and dispatched now.
     * The event's {@code attempts} is the count without it, its {@code execution} the deferred attempt
     * (outcome {@code DEFERRED}, the reason as its error); the task's {@code error} is left alone, since
     * nothing failed. A cancel requested meanwhile ends the task {@code CANCELLED} instead; a task
     * deferred {@code maxPerTask} times already fails ({@code too_many_deferrals}, dead-lettered).
     */
    private void deferred(TaskState previous, TaskState state, AttemptResult result, Execution execution,
                          Instant now) {
        if (state.cancelRequested()) {
            end(previous, state, TaskStatus.CANCELLED, null, TaskError.permanent(CANCELLED, "cancelled while attempt "
                    + result.attempt() + " ran; it was deferred (" + result.error().code() + "), not run again"),
                    execution, now);
            return;
        }
        if (state.deferrals() >= deferrals.maxPerTask()) {
            deadLetter(previous, state, TOO_MANY_DEFERRALS, TaskError.permanent(TOO_MANY_DEFERRALS, "deferred "
                    + state.deferrals() + " times already, the most a task may be; the last asked again with "
                    + result.error().code()), execution, now);
            return;
        }
        Instant latest = now.plus(deferrals.maxDelay());
        Instant runAt = result.retryAt().isBefore(now) ? now
                : result.retryAt().isAfter(latest) ? latest : result.retryAt();
        long version = state.nextVersion();
        TaskState waiting = state.deferred(version, runAt, now);
        out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, TaskStatus.RETRY_SCHEDULED, now,
                waiting.attempts()).withExecution(execution).withRunAt(runAt), state.traceparent(), now);
        metrics.deferred();
        if (runAt.isAfter(now)) {
            store.save(previous, waiting);
        } else {
            store.save(previous, dispatcher.queueAndDispatch(waiting, now, out));
        }
    }

    /**
     * The in-flight attempt passed its deadline without a result: a {@code TIMED_OUT} execution
     * (error {@code timeout}, retryable) that follows the retry policy like any failure. A result
     * of that attempt arriving later is stale.
     */
    public void timedOut(TaskState state, Instant now) {
        metrics.timedOut();
        TaskError error = TaskError.retryable(TIMEOUT, "no result for attempt " + state.attempts()
                + " by its deadline " + state.deadline() + " (dispatched " + state.dispatchedAt()
                + ", timeout " + state.submission().timeout() + " + dispatch grace)");
        Execution execution = new Execution(state.attempts(), null, null, now, AttemptOutcome.TIMED_OUT, error, null);
        failed(state, state.withExecution(execution), error, execution, now);
    }

    private void failed(TaskState previous, TaskState state, TaskError error, Execution execution, Instant now) {
        if (state.cancelRequested()) {
            end(previous, state, TaskStatus.CANCELLED, null, error, execution, now);
        } else if (!error.retryable()) {
            deadLetter(previous, state, NON_RETRYABLE, error, execution, now);
        } else if (state.attempts() >= state.submission().maxAttempts()) {
            deadLetter(previous, state, ATTEMPTS_EXHAUSTED, error, execution, now);
        } else {
            retry(previous, state, error, execution, now);
        }
    }

    private void retry(TaskState previous, TaskState state, TaskError error, Execution execution, Instant now) {
        Duration delay = retryPolicy.nextDelay(state.submission(), state.attempts());
        Instant runAt = now.plus(delay.isNegative() ? Duration.ZERO : delay);
        long version = state.nextVersion();
        out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, TaskStatus.RETRY_SCHEDULED, now,
                        state.attempts())
                .withOutcome(null, error).withExecution(execution).withRunAt(runAt), state.traceparent(), now);
        metrics.retried(state.submission());
        TaskState waiting = state.waiting(TaskStatus.RETRY_SCHEDULED, version, runAt, now);
        if (runAt.isAfter(now)) {
            store.save(previous, waiting);
        } else {
            store.save(previous, dispatcher.queueAndDispatch(waiting, now, out));
        }
    }

    private void deadLetter(TaskState previous, TaskState state, String reason, TaskError error, Execution execution,
                            Instant now) {
        TaskState failed = end(previous, state, TaskStatus.FAILED, null, error, execution, now);
        String detail = error.message().isEmpty() ? error.code() : error.code() + ": " + error.message();
        out.deadLetter(state.taskId().toString(), new DeadLetter(state.taskId(), state.tenantId(), reason, detail, now,
                state.submission(), failed.executions(), null), state.traceparent(), now);
        TaskSubmission task = state.submission();
        metrics.deadLettered(task.tenantId(), task.type(), task.priority());
    }

    private TaskState end(TaskState previous, TaskState state, TaskStatus status, JsonNode result, TaskError error,
                          Execution execution, Instant now) {
        long version = state.nextVersion();
        out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, status, now, state.attempts())
                .withOutcome(result, error).withExecution(execution), state.traceparent(), now);
        TaskState ended = state.ended(status, version, now, purgeTime(now));
        store.save(previous, ended);
        metrics.ended(status, state.submission());
        scheduleRunEnded(state.submission(), status, now);
        return ended;
    }

    /** A task a schedule fired ended: its schedule's overlap guard is told, on the schedule's partition. */
    private void scheduleRunEnded(TaskSubmission submission, TaskStatus status, Instant now) {
        if (submission != null && submission.scheduleId() != null) {
            out.scheduleRun(new ScheduleRun(submission.tenantId(), submission.scheduleId(), submission.id(), status,
                    now), now);
        }
    }

    // ---------------------------------------------------------------- control commands

    /** {@code CANCEL} of a waiting task ({@code SCHEDULED}, {@code RETRY_SCHEDULED}): out of the timers, {@code CANCELLED}. */
    public void cancelWaiting(TaskState state, ControlCommand command, Instant now) {
        TaskError error = TaskError.permanent(CANCELLED, "cancelled before attempt " + (state.attempts() + 1)
                + (command.requestedBy() == null ? "" : " by " + command.requestedBy()));
        end(state, state, TaskStatus.CANCELLED, null, error, null, now);
        metrics.cancelled("waiting");
    }

    /**
     * {@code CANCEL} of a task with an attempt in flight: nothing is published; the attempt's
     * outcome decides ({@code COMPLETED} stays, anything else ends {@code CANCELLED}, never retried).
     * The worker learns of the cancel through the API's Redis flag, not from here.
     */
    public void requestCancel(TaskState state, Instant now) {
        store.save(state, state.withCancelRequested(now));
        metrics.cancelled("in_flight");
    }

    /**
     * {@code CANCEL} of a task id not admitted yet: a placeholder, so the submission ends
     * {@code CANCELLED}. It replaces a re-prioritisation placeholder ({@code previous}, else null):
     * a cancel wins. Purged after the dedup window if no submission comes.
     */
    public void cancelBeforeAdmission(TaskState previous, ControlCommand command, Instant now) {
        store.save(previous, TaskState.cancelledBeforeAdmission(command.taskId(), command.tenantId(), now,
                purgeTime(now)));
        metrics.cancelled("not_admitted");
    }

    /**
     * {@code REPRIORITIZE} of a task id not admitted yet: a placeholder (replacing an earlier one,
     * {@code previous}, else null), so the submission is admitted with the new priority. Purged
     * after the dedup window if no submission comes, like the cancel placeholder.
     */
    public void reprioritizeBeforeAdmission(TaskState previous, ControlCommand command, Instant now) {
        store.save(previous, TaskState.reprioritizedBeforeAdmission(command.taskId(), command.tenantId(),
                command.priority(), now, purgeTime(now)));
        metrics.reprioritized("not_admitted");
    }

    /**
     * {@code REPRIORITIZE} of a waiting task: its next dispatch goes to the new priority's ready
     * topic; an event with the same status, the new {@code priority} and the next version tells
     * the projection.
     */
    public void reprioritize(TaskState state, ControlCommand command, Instant now) {
        long version = state.nextVersion();
        out.event(new TaskEvent(state.taskId(), state.tenantId(), version, state.status(), now, null,
                command.priority(), state.attempts(), null, state.dueAt(), null, null, null, null, null, null, null,
                null, null), state.traceparent(), now);
        store.save(state, state.withPriority(command.priority(), version, now));
        metrics.reprioritized("waiting");
    }

    /**
     * {@code REPLAY} of a {@code FAILED} task: {@code QUEUED} (next version, attempts 0) and
     * attempt 1 dispatched again, same task id; its earlier executions stay in its history.
     */
    public void replay(TaskState failed, Instant now) {
        TaskState replayed = failed.replayed(failed.version(), now);
        store.save(failed, dispatcher.queueAndDispatch(replayed, now, out));
        metrics.replayed("state");
    }

    /**
     * {@code REPLAY} of a task whose state is gone (purged after its dedup window), from the
     * submission the command carries: re-admitted {@code QUEUED} at {@code lastVersion + 1} (an
     * admission event, so the projection's row gets every descriptive field again) and attempt 1
     * dispatched at once, whatever its original {@code runAt}. Its new state is the dedup entry
     * again, so a late duplicate of the submission is dropped. A placeholder ({@code previous},
     * else null) is replaced.
     */
    public void readmit(TaskState previous, TaskSubmission submission, long lastVersion, String traceparent,
                        Instant now) {
        long version = lastVersion + 1;
        out.event(TaskEvent.admitted(submission, version, TaskStatus.QUEUED, now, now), traceparent, now);
        TaskState queued = TaskState.readmitted(submission, version, traceparent, now);
        store.save(previous, dispatcher.dispatch(queued, now, out));
        metrics.replayed("command");
    }

    // ---------------------------------------------------------------- retention

    /** The end of a finished task's dedup window: its state is deleted. */
    public void purge(TaskState state) {
        store.delete(state);
        metrics.purged();
    }
}
