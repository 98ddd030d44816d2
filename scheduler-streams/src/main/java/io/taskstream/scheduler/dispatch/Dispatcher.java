package io.taskstream.scheduler.dispatch;

import java.time.Duration;
import java.time.Instant;

import io.opentelemetry.api.trace.SpanKind;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.tracing.TracedWork;
import io.taskstream.schemas.tracing.Tracing;

/**
 * Hands a task's next attempt to the workers: a {@link TaskDispatch} on {@code ready.<priority>}
 * keyed by ordering key (else task id), with the deadline {@code now + timeout + grace} and the
 * event version reserved for the worker's {@code PROCESSING} event.
 *
 * <p>Versions (see {@code docs/wire-conventions.md}): a dispatch never publishes an event itself;
 * it takes {@code state.version + 1} for the worker, so the outcome the scheduler publishes later
 * is {@code + 2}, and the projection orders {@code QUEUED < PROCESSING < outcome}.
 */
public final class Dispatcher {

    private final Duration grace;
    private final SchedulerMetrics metrics;
    private final Tracing tracing;

    public Dispatcher(Duration grace, SchedulerMetrics metrics, Tracing tracing) {
        this.grace = grace;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /**
     * Dispatches the next attempt of a task whose {@code QUEUED} event is already published;
     * returns the state to store.
     */
    public TaskState dispatch(TaskState state, Instant now, Outputs out) {
        TaskSubmission s = state.submission();
        int attempt = state.attempts() + 1;
        long reserved = state.nextVersion();
        Instant deadline = now.plus(s.timeout()).plus(grace);
        TaskDispatch dispatch = new TaskDispatch(s.id(), s.tenantId(), s.type(), s.payload(), s.priority(), attempt,
                s.maxAttempts(), s.timeout(), s.orderingKey(), s.labels(), s.scheduleId(), s.encrypt(),
                s.createdAt(), now, deadline, reserved);
        // a span of its own: the worker's execution is its child (a timer-driven dispatch continues the stored trace)
        try (TracedWork ignored = tracing.start("dispatch " + s.type(), SpanKind.PRODUCER,
                Tracing.continuing(state.traceparent()), s.id().toString(), s.tenantId())) {
            out.dispatch(dispatch, state.traceparent(), now);
        }
        metrics.dispatched(s.priority());
        return state.dispatched(reserved, now, deadline);
    }

    /**
     * Publishes {@code QUEUED} for a task that just became due (a delayed task, a retry), then
     * dispatches it; returns the state to store.
     */
    public TaskState queueAndDispatch(TaskState state, Instant now, Outputs out) {
        long version = state.nextVersion();
        out.event(TaskEvent.statusChange(state.taskId(), state.tenantId(), version, TaskStatus.QUEUED, now,
                state.attempts()), state.traceparent(), now);
        return dispatch(state.moved(TaskStatus.QUEUED, version, now), now, out);
    }
}
