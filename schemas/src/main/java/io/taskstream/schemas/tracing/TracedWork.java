package io.taskstream.schemas.tracing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.slf4j.MDC;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * A span in progress on this thread: current for OpenTelemetry, and its trace and span ids (plus the
 * task's {@code task_id} and {@code tenant_id} when it is about one task) in the logging MDC, so every
 * log line written inside carries them. {@link #close()} ends the span and puts the MDC back as it was.
 * Not thread-safe: open and close it on one thread.
 */
public final class TracedWork implements AutoCloseable {

    /** MDC key of the task a log line is about. */
    public static final String TASK_ID = "task_id";
    /** MDC key of that task's tenant. */
    public static final String TENANT_ID = "tenant_id";
    /** MDC key of the worker running it. */
    public static final String WORKER_ID = "worker_id";

    private final Span span;
    private final Scope scope;
    private final Map<String, String> previous = new LinkedHashMap<>();

    private TracedWork(Span span, Context context) {
        this.span = span;
        this.scope = context.makeCurrent();
    }

    static TracedWork open(Span span, Context parent, String taskId, String tenantId) {
        TracedWork work = new TracedWork(span, parent.with(span));
        SpanContext ids = span.getSpanContext();
        if (ids.isValid()) {
            work.put(Tracing.TRACE_ID, ids.getTraceId());
            work.put(Tracing.SPAN_ID, ids.getSpanId());
        }
        if (taskId != null) {
            work.put(TASK_ID, taskId);
        }
        if (tenantId != null) {
            work.put(TENANT_ID, tenantId);
        }
        return work;
    }

    /** Adds one more MDC entry for the life of this span (restored on close). */
    public TracedWork put(String key, String value) {
        if (!previous.containsKey(key)) {
            previous.put(key, MDC.get(key));
        }
        MDC.put(key, value);
        return this;
    }

    /**
     * {@code work} to run on another thread as part of the work current on this one: the same current
     * span and the same MDC there, the other thread's own put back afterwards.
     */
    public static <T> Callable<T> carry(Callable<T> work) {
        Context context = Context.current();
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> before = MDC.getCopyOfContextMap();
            MDC.setContextMap(mdc == null ? Map.of() : mdc);
            try (Scope ignored = context.makeCurrent()) {
                return work.call();
            } finally {
                if (before == null) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(before);
                }
            }
        };
    }

    public Span span() {
        return span;
    }

    /** The span's trace id, empty when tracing is off. */
    public String traceId() {
        return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : "";
    }

    /** Marks the span failed with {@code error}. */
    public void fail(Throwable error) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR);
    }

    @Override
    public void close() {
        try {
            span.end();
        } finally {
            scope.close();
            previous.forEach((key, value) -> {
                if (value == null) {
                    MDC.remove(key);
                } else {
                    MDC.put(key, value);
                }
            });
        }
    }
}
