package io.taskstream.worker.execution;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskProgress;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.support.InMemoryCancellationFlags;
import io.taskstream.worker.support.RecordingReporter;

/** What a handler's {@code ctx.progress(…)} becomes on the wire, through the {@link TaskExecutor}. */
class ProgressEventsTest {

    static final String WORKER = "worker-1";

    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** Reports 10 %, then (dropped) 20 % at once, then 60 % a second later, and completes. */
    final TaskHandler reportsProgress = new TaskHandler() {
        @Override
        public String type() {
            return "report.generate";
        }

        @Override
        public HandlerResult handle(TaskContext ctx) {
            ctx.progress(10, "started");
            ctx.progress(20, "too soon after the last report");
            clock.advance(Duration.ofSeconds(1));
            ctx.progress(60, "rendering");
            return HandlerResult.completed();
        }
    };

    AttemptResult run(AttemptReporter reporter, TaskDispatch dispatch) throws Exception {
        TaskExecutor executor = new TaskExecutor(HandlerRegistry.of(List.of(reportsProgress)), reporter,
                new CancellationCheck(new InMemoryCancellationFlags(), clock, Duration.ofMillis(500), meters), clock,
                meters, new TaskExecutor.Settings(WORKER, 1_000));
        return executor.execute(dispatch).get();
    }

    @Test
    void aHandlersProgressBecomesProcessingEventsAtTheVersionTheSchedulerReserved() throws Exception {
        RecordingReporter reporter = new RecordingReporter();
        UUID id = UUID.randomUUID();
        TaskDispatch dispatch = dispatch(id, "report.generate", Map.of(), 2, 4, 11);

        AttemptResult result = run(reporter, dispatch);

        Execution running = new Execution(2, WORKER, T0, null, null, null, null);
        TaskEvent processing = TaskEvent.statusChange(id, "acme", 11, TaskStatus.PROCESSING, T0, 2)
                .withExecution(running);
        assertThat(reporter.events).containsExactly(
                processing,
                processing.withProgress(new TaskProgress(10, "started", T0)),
                processing.withProgress(new TaskProgress(60, "rendering", T0.plusSeconds(1))));
        assertThat(reporter.events.get(2).occurredAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(meters.counter(ProgressEvents.FAILURES_METRIC).count()).isZero();
    }

    @Test
    void progressThatCannotBeSentIsDroppedAndCountedAndTheAttemptCompletes() throws Exception {
        RecordingReporter failing = new RecordingReporter().failEventsWith(new IllegalStateException("broker down"));

        AttemptResult result = run(failing, dispatch("report.generate", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(failing.results).containsExactly(result);
        assertThat(meters.counter(ProgressEvents.FAILURES_METRIC).count()).as("both reports passed on").isEqualTo(2);
    }

    @Test
    void aReporterThatThrowsAtOnceDoesNotFailTheHandler() throws Exception {
        RecordingReporter recording = new RecordingReporter();
        AttemptReporter throwing = new AttemptReporter() {
            @Override
            public CompletableFuture<Void> started(TaskEvent processing) {
                return recording.started(processing);
            }

            @Override
            public CompletableFuture<Void> progressed(TaskEvent progress) {
                throw new IllegalStateException("producer closed");
            }

            @Override
            public CompletableFuture<Void> finished(AttemptResult result) {
                return recording.finished(result);
            }
        };

        AttemptResult result = run(throwing, dispatch("report.generate", Map.of()));

        assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(recording.events).extracting(TaskEvent::progress).containsExactly((TaskProgress) null);
        assertThat(meters.counter(ProgressEvents.FAILURES_METRIC).count()).isEqualTo(2);
    }
}
