package io.taskstream.schemas.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.taskstream.schemas.Headers;

class TracingTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00-" + TRACE + "-00f067aa0ba902b7-01";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final Tracing tracing = Tracing.exportingAll("test", spans);

    @AfterEach
    void nothingLeftInTheMdc() {
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(Span.current().getSpanContext().isValid()).isFalse();
    }

    @Test
    void withAnExporterTenPercentOfNewTracesAreSampledAndCallersDecideTheRest() {
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
        try (Tracing configured = Tracing.fromEnvironment("ingest-api")) {
            OpenTelemetrySdk sdk = (OpenTelemetrySdk) configured.openTelemetry();
            assertThat(sdk.getSdkTracerProvider().getSampler().getDescription())
                    .startsWith("ParentBased{root:TraceIdRatioBased{0.100000}");
            assertThat(sdk.getSdkTracerProvider().toString()).contains("service.name=\"ingest-api\"");
        } finally {
            System.clearProperty("otel.exporter.otlp.endpoint");
        }
    }

    @Test
    void withoutAnExporterNoTraceIsStartedButIdsAndTheCallersDecisionStillFlow() {
        try (Tracing configured = Tracing.fromEnvironment("worker")) {
            OpenTelemetrySdk sdk = (OpenTelemetrySdk) configured.openTelemetry();
            assertThat(sdk.getSdkTracerProvider().getSampler().getDescription())
                    .startsWith("ParentBased{root:AlwaysOffSampler");
            try (TracedWork work = configured.start("admit", SpanKind.CONSUMER, Context.root(), null, null)) {
                assertThat(work.span().isRecording()).isFalse();
                assertThat(work.traceId()).matches("[0-9a-f]{32}");
                assertThat(MDC.get("trace_id")).isEqualTo(work.traceId());
                assertThat(Tracing.currentTraceparent()).as("not sampled (the SDK may set W3C's random flag, 02)")
                        .hasValueSatisfying(t -> assertThat(t).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]"));
            }
            try (TracedWork ignored = configured.start("execute", SpanKind.CONSUMER, Tracing.extract(PARENT), null, null)) {
                assertThat(Tracing.currentTraceparent()).as("a sampled caller stays sampled downstream")
                        .hasValueSatisfying(t -> assertThat(t).startsWith("00-" + TRACE).endsWith("-01"));
            }
        }
    }

    @Test
    void withAnEndpointSpansGoOverOtlpHttp() {
        System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
        try (Tracing configured = Tracing.fromEnvironment("worker")) {
            OpenTelemetrySdk sdk = (OpenTelemetrySdk) configured.openTelemetry();
            assertThat(sdk.getSdkTracerProvider().toString()).contains("OtlpHttpSpanExporter")
                    .contains("endpoint=http://127.0.0.1:9/v1/traces");
        } finally {
            System.clearProperty("otel.exporter.otlp.endpoint");
        }
    }

    @Test
    void spansAreExportedOverOtlpOnlyWhenAnEndpointOrAnExporterIsConfigured() {
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(Map.of())))
                .containsEntry("otel.traces.exporter", "none").containsEntry("otel.traces.sampler", "parentbased_always_off");
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(
                Map.of("otel.exporter.otlp.endpoint", "http://collector:4318"))))
                .containsEntry("otel.traces.sampler", "parentbased_traceidratio")
                .containsEntry("otel.traces.sampler.arg", "0.1");
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(
                Map.of("otel.traces.sampler", "always_on")))).doesNotContainKey("otel.traces.sampler");
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(
                Map.of("otel.exporter.otlp.endpoint", "http://collector:4318")))).doesNotContainKey("otel.traces.exporter");
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(
                Map.of("otel.exporter.otlp.traces.endpoint", "http://collector:4318/v1/traces"))))
                .doesNotContainKey("otel.traces.exporter");
        assertThat(Tracing.exportOnlyWhenConfigured(DefaultConfigProperties.createFromMap(
                Map.of("otel.traces.exporter", "console")))).doesNotContainKey("otel.traces.exporter")
                .containsEntry("otel.traces.sampler", "parentbased_traceidratio");
        assertThat(Tracing.defaults("worker")).containsEntry("otel.service.name", "worker")
                .containsEntry("otel.exporter.otlp.protocol", "http/protobuf");
    }

    @Test
    void aRecordsTraceparentIsTheParentOfTheWorkOnIt() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.TRACEPARENT, PARENT.getBytes());

        try (TracedWork work = tracing.start("admit", SpanKind.CONSUMER, Tracing.extract(headers), "t-1", "acme")) {
            assertThat(Tracing.currentTraceparent()).hasValue("00-" + TRACE + "-" + work.span().getSpanContext().getSpanId()
                    + "-01");
            assertThat(work.traceId()).isEqualTo(TRACE);
            assertThat(MDC.getCopyOfContextMap()).containsEntry("trace_id", TRACE).containsEntry("task_id", "t-1")
                    .containsEntry("tenant_id", "acme").containsEntry("span_id", work.span().getSpanContext().getSpanId());
        }
        SpanData admit = spans.getFinishedSpanItems().getFirst();
        assertThat(admit.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(admit.getAttributes().get(AttributeKey.stringKey("taskstream.task.id"))).isEqualTo("t-1");
    }

    @Test
    void aMissingOrMalformedTraceparentStartsANewTrace() {
        assertThat(Span.fromContext(Tracing.extract((String) null)).getSpanContext().isValid()).isFalse();
        assertThat(Span.fromContext(Tracing.extract("00-zz-00f067aa0ba902b7-01")).getSpanContext().isValid()).isFalse();
        assertThat(Span.fromContext(Tracing.extract(new RecordHeaders())).getSpanContext().isValid()).isFalse();
        assertThat(Span.fromContext(Tracing.extract((org.apache.kafka.common.header.Headers) null))
                .getSpanContext().isValid()).isFalse();
        assertThat(Tracing.currentTraceparent()).isEmpty();
    }

    @Test
    void theMdcIsPutBackAsItWasWhenTheWorkEnds() {
        MDC.put("task_id", "outer");
        try (TracedWork ignored = tracing.start("inner", SpanKind.INTERNAL, Context.root(), "inner", null)) {
            assertThat(MDC.get("task_id")).isEqualTo("inner");
        }
        assertThat(MDC.get("task_id")).isEqualTo("outer");
        MDC.remove("task_id");
    }

    @Test
    void aStoreCallIsAClientSpanInsideATraceAndNothingOutsideOne() {
        assertThat(tracing.client("redis", "GET flag", () -> "outside")).isEqualTo("outside");
        assertThat(spans.getFinishedSpanItems()).isEmpty();

        try (TracedWork ignored = tracing.start("execute", SpanKind.CONSUMER, Tracing.extract(PARENT), null, null)) {
            assertThat(tracing.client("redis", "GET flag", () -> "inside")).isEqualTo("inside");
            assertThatThrownBy(() -> tracing.client("postgresql", "INSERT tasks", () -> {
                throw new IllegalStateException("down");
            })).hasMessage("down");
        }
        SpanData get = spans.getFinishedSpanItems().get(0);
        assertThat(get.getName()).isEqualTo("GET flag");
        assertThat(get.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(get.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("redis");
        assertThat(get.getParentSpanId()).isEqualTo(spans.getFinishedSpanItems().get(2).getSpanId());
        assertThat(spans.getFinishedSpanItems().get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void workCarriedToAnotherThreadKeepsTheSpanAndTheMdc() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (TracedWork work = tracing.start("execute", SpanKind.CONSUMER, Context.root(), "t-2", "acme")) {
            Callable<String> seen = TracedWork.carry(() -> MDC.get("task_id") + " " + Tracing.currentTraceparent()
                    .orElseThrow().contains(work.span().getSpanContext().getSpanId()));
            assertThat(other.submit(seen).get()).isEqualTo("t-2 true");
            assertThat(other.submit(() -> MDC.get("task_id") + " " + Tracing.currentTraceparent().isPresent()).get())
                    .as("nothing stays behind on that thread").isEqualTo("null false");
            work.fail(new IllegalStateException("boom"));
        } finally {
            other.shutdown();
        }
        assertThat(spans.getFinishedSpanItems().getFirst().getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void theNoopTracerRecordsNothingAndClosesQuietly() {
        Tracing noop = Tracing.noop();
        try (TracedWork work = noop.start("x", SpanKind.INTERNAL, Context.root(), null, null)) {
            assertThat(work.traceId()).isEmpty();
            assertThat(MDC.get("trace_id")).isNull();
        }
        noop.close();
    }
}
