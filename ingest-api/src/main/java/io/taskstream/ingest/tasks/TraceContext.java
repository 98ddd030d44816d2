package io.taskstream.ingest.tasks;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.taskstream.schemas.tracing.Tracing;

/**
 * The W3C trace context a request's work belongs to: the span the API's {@code TracingFilter} opened
 * for the request (a child of the caller's {@code traceparent}, or a new trace), else the caller's
 * header as sent. Forwarded on the Kafka record and its trace id stored with the task, so a task can
 * be found from a trace and the other way round.
 */
public record TraceContext(String traceparent, String traceId) {

    private static final Pattern TRACEPARENT =
            Pattern.compile("^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

    /** The current span's context when one is open on this thread, else the request's header ({@link #parse}). */
    public static Optional<TraceContext> forRequest(String header) {
        return Tracing.currentTraceparent().flatMap(TraceContext::parse).or(() -> parse(header));
    }

    /** Empty for a missing or malformed header (which is then dropped, as the W3C spec asks). */
    public static Optional<TraceContext> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String value = header.strip();
        Matcher m = TRACEPARENT.matcher(value);
        if (!m.matches() || "ff".equals(m.group(1)) || ("00".equals(m.group(1)) && m.group(5) != null)
                || ZERO_TRACE.equals(m.group(2)) || ZERO_SPAN.equals(m.group(3))) {
            return Optional.empty();
        }
        return Optional.of(new TraceContext(value, m.group(2)));
    }
}
