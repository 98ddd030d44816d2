package io.taskstream.ingest.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerMapping;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.taskstream.ingest.tasks.TraceContext;
import io.taskstream.schemas.tracing.Tracing;

class TracingFilterTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final TracingFilter filter = new TracingFilter(Tracing.exportingAll("ingest-api", spans));

    @Test
    void aRequestIsAServerSpanNamedAfterItsRouteInTheCallersTrace() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/tasks/0190f0c4:cancel");
        request.addHeader("traceparent", "00-" + TRACE + "-00f067aa0ba902b7-01");
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicReference<TraceContext> forwarded = new AtomicReference<>();

        filter.doFilter(request, response, (req, res) -> {
            req.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, "/api/v1/tasks/{id}:cancel");
            forwarded.set(TraceContext.forRequest("00-" + TRACE + "-00f067aa0ba902b7-01").orElseThrow());
            ((MockHttpServletResponse) res).setStatus(202);
        });

        SpanData span = spans.getFinishedSpanItems().getFirst();
        assertThat(span.getName()).isEqualTo("POST /api/v1/tasks/{id}:cancel");
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(202L);
        assertThat(forwarded.get().traceparent()).as("what goes on the Kafka record: this span as the parent")
                .isEqualTo("00-" + TRACE + "-" + span.getSpanId() + "-01");
        assertThat(forwarded.get().traceId()).isEqualTo(TRACE);
    }

    @Test
    void aRequestWithoutTraceparentStartsATraceAndServerErrorsMarkIt() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(new MockHttpServletRequest("GET", "/api/v1/stats"), response,
                (req, res) -> ((MockHttpServletResponse) res).setStatus(503));

        SpanData span = spans.getFinishedSpanItems().getFirst();
        assertThat(span.getName()).as("no route matched: the method only, never a raw path").isEqualTo("GET");
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void aFailingHandlerIsRecordedAndRethrown() {
        assertThatThrownBy(() -> filter.doFilter(new MockHttpServletRequest("GET", "/api/v1/tasks"),
                new MockHttpServletResponse(), (req, res) -> {
                    throw new IllegalStateException("boom");
                })).hasMessage("boom");
        assertThat(spans.getFinishedSpanItems().getFirst().getEvents()).extracting(e -> e.getName())
                .containsExactly("exception");
    }

    @Test
    void withoutASpanTheCallersHeaderIsForwardedAsSent() {
        assertThat(TraceContext.forRequest("00-" + TRACE + "-00f067aa0ba902b7-01")).hasValueSatisfying(trace ->
                assertThat(trace.traceparent()).isEqualTo("00-" + TRACE + "-00f067aa0ba902b7-01"));
        assertThat(TraceContext.forRequest(null)).isEmpty();
    }
}
