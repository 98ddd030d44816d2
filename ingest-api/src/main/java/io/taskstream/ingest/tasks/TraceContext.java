package io.taskstream.ingest.tasks;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The W3C {@code traceparent} of a request, if it sent a valid one: forwarded on the Kafka record
 * and its trace id stored with the task, so a task can be found from a trace and the other way round.
 */
public record TraceContext(String traceparent, String traceId) {

    private static final Pattern TRACEPARENT =
            Pattern.compile("^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);

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
