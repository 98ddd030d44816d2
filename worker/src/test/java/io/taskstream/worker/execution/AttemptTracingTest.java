package io.taskstream.worker.execution;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.crypto.KeyProvider;
import io.taskstream.schemas.crypto.PayloadCipher;
import io.taskstream.schemas.tracing.Tracing;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/** The worker's part of a task's trace: the attempt's span, the MDC its handler sees, the records it writes. */
class AttemptTracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String DISPATCH_SPAN = "00f067aa0ba902b7";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<String> reportedUnder = new CopyOnWriteArrayList<>();

    @Test
    void anAttemptRunsInAChildSpanOfItsDispatchAndItsHandlerLogsWithTheIds() throws Exception {
        AtomicReference<Map<String, String>> handlerMdc = new AtomicReference<>();
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 3, 2);

        AttemptResult result = run(handler("email.send", ctx -> {
            handlerMdc.set(MDC.getCopyOfContextMap());
            return HandlerResult.completed(Map.of());
        }), dispatch);

        SpanData attempt = spans.getFinishedSpanItems().getFirst();
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        assertThat(attempt.getName()).isEqualTo("execute email.send");
        assertThat(attempt.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(attempt.getTraceId()).isEqualTo(TRACE);
        assertThat(attempt.getParentSpanId()).isEqualTo(DISPATCH_SPAN);
        assertThat(attempt.getAttributes().asMap().toString()).contains("taskstream.attempt.outcome=COMPLETED",
                "taskstream.task.id=" + dispatch.taskId());
        assertThat(handlerMdc.get()).containsEntry("trace_id", TRACE).containsEntry("span_id", attempt.getSpanId())
                .containsEntry("task_id", dispatch.taskId().toString()).containsEntry("tenant_id", "acme")
                .containsEntry("worker_id", "worker-1");
        String ownSpan = "00-" + TRACE + "-" + attempt.getSpanId() + "-01";
        assertThat(reportedUnder).as("PROCESSING event and result carry the attempt's span").containsExactly(
                "event " + ownSpan, "result " + ownSpan);
        assertThat(result.outcome().name()).isEqualTo("COMPLETED");
        assertThat(MDC.getCopyOfContextMap()).as("nothing left behind").isNullOrEmpty();
    }

    @Test
    void aFailedAttemptMarksItsSpanAsAnError() throws Exception {
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 1, 2);

        run(handler("email.send", ctx -> {
            throw new NonRetryableException("mailbox does not exist");
        }), dispatch);

        SpanData attempt = spans.getFinishedSpanItems().getFirst();
        assertThat(attempt.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attempt.getAttributes().asMap().toString()).contains("taskstream.attempt.outcome=FAILED");
    }

    private AttemptResult run(TaskHandler handler, TaskDispatch dispatch) throws Exception {
        TaskExecutor executor = new TaskExecutor(HandlerRegistry.of(List.of(handler)), AttemptLeases.NONE,
                AttemptGuard.NONE, new TraceRecordingReporter(),
                new CancellationCheck(taskId -> false, clock, Duration.ofSeconds(1), meters), clock, meters,
                new TaskExecutor.Settings("worker-1", 1000), new PayloadCipher(KeyProvider.NONE, new SecureRandom()),
                Tracing.exportingAll("worker", spans));
        // what the dispatch consumer does with the record's traceparent header
        try (Scope ignored = Tracing.extract("00-" + TRACE + "-" + DISPATCH_SPAN + "-01").makeCurrent()) {
            return executor.execute(dispatch).get();
        }
    }

    private static TaskHandler handler(String type, Work work) {
        return new TaskHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public HandlerResult handle(TaskContext context) throws Exception {
                return work.run(context);
            }
        };
    }

    interface Work {
        HandlerResult run(TaskContext context) throws Exception;
    }

    /** Notes the {@code traceparent} current when each record would be sent. */
    private final class TraceRecordingReporter implements AttemptReporter {
        @Override
        public CompletableFuture<Void> started(TaskEvent processing) {
            reportedUnder.add("event " + Tracing.currentTraceparent().orElse("none"));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> finished(AttemptResult result) {
            reportedUnder.add("result " + Tracing.currentTraceparent().orElse("none"));
            return CompletableFuture.completedFuture(null);
        }
    }
}
