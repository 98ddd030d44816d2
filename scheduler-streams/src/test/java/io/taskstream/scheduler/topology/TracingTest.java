package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.header;
import static io.taskstream.scheduler.topology.SchedulerDriver.submission;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.tracing.Tracing;

/** The scheduler's part of a task's trace: spans and the {@code traceparent} of what it writes. */
class TracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withTracing(Tracing.exportingAll("scheduler", spans));

    @Test
    void aSubmissionIsAdmittedAndDispatchedInItsCallersTrace() {
        UUID id = UUID.randomUUID();
        submitTraced(id, "");

        SpanData admit = span("admit");
        assertThat(admit.getTraceId()).isEqualTo(TRACE);
        assertThat(admit.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(admit.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(admit.getAttributes().get(AttributeKey.stringKey("taskstream.task.id"))).isEqualTo(id.toString());
        SpanData dispatch = span("dispatch email.send");
        assertThat(dispatch.getTraceId()).isEqualTo(TRACE);
        assertThat(dispatch.getParentSpanId()).isEqualTo(admit.getSpanId());

        TestRecord<String, TaskEvent> queued = scheduler.events().readRecord();
        assertThat(header(queued, Headers.TRACEPARENT)).isEqualTo(traceparent(admit.getSpanId()));
        TestRecord<String, TaskDispatch> ready = scheduler.ready(Priority.NORMAL).readRecord();
        assertThat(header(ready, Headers.TRACEPARENT))
                .as("the worker's execution becomes a child of the dispatch").isEqualTo(traceparent(dispatch.getSpanId()));
    }

    @Test
    void aDelayedTaskIsDispatchedByTheTimerInItsSubmissionsTrace() {
        UUID id = UUID.randomUUID();
        submitTraced(id, "\"delay\": \"PT10S\"");
        SpanData admit = span("admit");
        assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsExactly("admit");

        scheduler.advance(Duration.ofSeconds(11));

        SpanData dispatch = span("dispatch email.send");
        assertThat(dispatch.getTraceId()).isEqualTo(TRACE);
        assertThat(dispatch.getParentSpanId()).as("continues the stored trace").isEqualTo(admit.getSpanId());
        List<TestRecord<String, TaskDispatch>> ready = scheduler.ready(Priority.NORMAL).readRecordsToList();
        assertThat(ready).singleElement().satisfies(record ->
                assertThat(header(record, Headers.TRACEPARENT)).isEqualTo(traceparent(dispatch.getSpanId())));
    }

    @Test
    void aResultIsDecidedInTheWorkersTraceAndTheOutcomeEventFollowsIt() {
        UUID id = UUID.randomUUID();
        submitTraced(id, "");
        scheduler.takeAll();
        String workerSpan = "1111111111111111";
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.TRACEPARENT, traceparent(workerSpan).getBytes(StandardCharsets.UTF_8));
        byte[] result = Json.mapper().writeValueAsBytes(
                scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.driver().createInputTopic(scheduler.topics.results(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer()).pipeInput(new TestRecord<>(id.toString(), result, headers, scheduler.now()));

        SpanData decide = span("decide result");
        assertThat(decide.getTraceId()).isEqualTo(TRACE);
        assertThat(decide.getParentSpanId()).isEqualTo(workerSpan);
        TestRecord<String, TaskEvent> completed = scheduler.events().readRecord();
        assertThat(header(completed, Headers.TRACEPARENT)).isEqualTo(traceparent(decide.getSpanId()));
    }

    @Test
    void aSubmissionWithoutATraceStartsOne() {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "");

        SpanData admit = span("admit");
        assertThat(admit.getParentSpanContext().isValid()).isFalse();
        assertThat(span("dispatch email.send").getTraceId()).isEqualTo(admit.getTraceId());
        assertThat(header(scheduler.ready(Priority.NORMAL).readRecord(), Headers.TRACEPARENT))
                .startsWith("00-" + admit.getTraceId() + "-");
    }

    private void submitTraced(UUID id, String extra) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.TRACEPARENT, traceparent(CALLER_SPAN).getBytes(StandardCharsets.UTF_8));
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, extra).getBytes(StandardCharsets.UTF_8),
                headers);
    }

    private static String traceparent(String spanId) {
        return "00-" + TRACE + "-" + spanId + "-01";
    }

    private SpanData span(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).reduce((a, b) -> {
            throw new AssertionError("more than one span named " + name + ": " + spans.getFinishedSpanItems());
        }).orElseThrow(() -> new AssertionError("no span named " + name + " in " + spans.getFinishedSpanItems()));
    }
}
