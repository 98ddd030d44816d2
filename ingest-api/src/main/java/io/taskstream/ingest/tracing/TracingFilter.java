package io.taskstream.ingest.tracing;

import java.io.IOException;

import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.tracing.TracedWork;
import io.taskstream.schemas.tracing.Tracing;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Opens the server span of every {@code /api/v1} request — a child of the caller's {@code traceparent}
 * when it sent a valid one, else the root of a new trace (sampled by the configured sampler) — and
 * keeps it current while the request is handled: the records the API writes to Kafka carry this span
 * as their parent ({@code TraceContext.forRequest}), the task view shows its trace id, and log lines
 * written meanwhile carry {@code trace_id}/{@code span_id}. Runs before authentication, so refused
 * requests are traced too. The span is named after the route template ({@code POST /api/v1/tasks}),
 * never the raw path (ids would make every name unique).
 */
public class TracingFilter extends OncePerRequestFilter {

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private final Tracing tracing;

    public TracingFilter(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try (TracedWork work = tracing.start(request.getMethod(), SpanKind.SERVER,
                Tracing.extract(request.getHeader(Headers.TRACEPARENT)), null, null)) {
            work.span().setAttribute(METHOD, request.getMethod());
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException e) {
                work.fail(e);
                throw e;
            } finally {
                Object route = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
                if (route != null) {
                    work.span().setAttribute(ROUTE, route.toString());
                    work.span().updateName(request.getMethod() + " " + route);
                }
                work.span().setAttribute(STATUS, (long) response.getStatus());
                if (response.getStatus() >= 500) {
                    work.span().setStatus(StatusCode.ERROR);
                }
            }
        }
    }
}
