package io.taskstream.worker.execution;

import java.time.Instant;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.handler.ProgressSink;
import io.taskstream.worker.handler.TaskContext;

/**
 * Turns what a handler reports through {@link TaskContext#progress(int, String)} (already throttled
 * there) into progress events on {@code events}: the attempt's {@code PROCESSING} event — same
 * version ({@link TaskDispatch#eventVersion()}), attempts and open {@link Execution} — carrying the
 * progress, at the report's time. The projection applies one while the task's row is still at that
 * version and {@code PROCESSING} (docs/wire-conventions.md, "Progress"), so a late or repeated one never
 * touches a task that has moved on.
 *
 * <p>Best effort, like the {@code PROCESSING} event: a report that cannot be sent is counted
 * ({@value #FAILURES_METRIC}) and logged at debug level, never thrown at the handler.
 */
final class ProgressEvents {

    static final String FAILURES_METRIC = "taskstream.worker.progress.failures";

    private static final Logger log = LoggerFactory.getLogger(ProgressEvents.class);

    private final AttemptReporter reporter;
    private final String workerId;
    private final Counter failures;

    ProgressEvents(AttemptReporter reporter, String workerId, MeterRegistry meters) {
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.failures = Counter.builder(FAILURES_METRIC)
                .description("Progress reports of handlers that could not be sent (they are dropped)")
                .register(meters);
    }

    /** The sink of one attempt's context; {@code startedAt} must be the time its PROCESSING event carries. */
    ProgressSink sinkFor(TaskDispatch dispatch, Instant startedAt) {
        // the same event TaskExecutor reports when the attempt starts: it may stand in for a lost one
        TaskEvent processing = TaskEvent.statusChange(dispatch.taskId(), dispatch.tenantId(),
                        dispatch.eventVersion(), TaskStatus.PROCESSING, startedAt, dispatch.attempt())
                .withExecution(new Execution(dispatch.attempt(), workerId, startedAt, null, null, null, null));
        return progress -> {
            try {
                reporter.progressed(processing.withProgress(progress)).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        dropped(dispatch, failure);
                    }
                });
            } catch (RuntimeException e) {
                dropped(dispatch, e);
            }
        };
    }

    private void dropped(TaskDispatch dispatch, Throwable failure) {
        failures.increment();
        log.debug("Could not report progress of task {} attempt {}: {}", dispatch.taskId(), dispatch.attempt(),
                failure.toString());
    }
}
