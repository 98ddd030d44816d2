package io.taskstream.schemas.logging;

import java.util.function.BiConsumer;

import org.slf4j.event.KeyValuePair;
import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.StackTracePrinter;
import org.springframework.boot.logging.structured.JsonWriterStructuredLogFormatter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;
import org.springframework.core.env.Environment;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;

/**
 * Taskstream's JSON log line: one object per event, on one line, with flat field names a log shipper
 * needs no mapping for.
 *
 * <pre>{@code
 * {"timestamp":"2026-11-29T23:01:02.345Z","level":"INFO","logger":"io.taskstream.worker.execution.TaskExecutor",
 *  "thread":"task-7","service":"taskstream-worker","message":"Attempt 1 of task … ended COMPLETED after 3 ms",
 *  "task_id":"01936f…","tenant_id":"acme","worker_id":"worker-1","trace_id":"4bf9…","span_id":"00f0…"}
 * }</pre>
 *
 * <p>Every MDC entry becomes a top-level field of its own name: the services put {@code task_id},
 * {@code tenant_id}, {@code worker_id} there around the work on one task, and {@code trace_id},
 * {@code span_id} wherever a span is current; a line about nothing in particular has none of them.
 * Key-value pairs of SLF4J's fluent API come out the same way. {@code stack_trace} is there only when an
 * exception was logged. The message, the key-value values and the stack trace pass through
 * {@link LogSanitizer}, as in the text format (after {@code logging.structured.json.stacktrace.*} shortened
 * the stack trace, when set).
 *
 * <p>The services select it with {@code logging.structured.format.console} (Boot's
 * {@code StructuredLogEncoder} builds it from the {@link Environment}, so {@code logging.structured.json.*}
 * — add, exclude, rename — applies too); the devstack, which runs without Boot's logging system, uses it
 * through {@link JsonLogEncoder}.
 */
public class JsonLogFormatter extends JsonWriterStructuredLogFormatter<ILoggingEvent> {

    /** The service name when {@code spring.application.name} is not set. */
    static final String DEFAULT_SERVICE = "taskstream";

    /**
     * Built by Spring Boot: the service is {@code spring.application.name}; {@code stackTracePrinter} (null
     * unless {@code logging.structured.json.stacktrace.*} is set) shortens stack traces.
     */
    public JsonLogFormatter(Environment environment, StackTracePrinter stackTracePrinter,
                            StructuredLoggingJsonMembersCustomizer<?> customizer) {
        this(environment.getProperty("spring.application.name", DEFAULT_SERVICE), stackTracePrinter, customizer);
    }

    private JsonLogFormatter(String service, StackTracePrinter stackTracePrinter,
                             StructuredLoggingJsonMembersCustomizer<?> customizer) {
        super(members -> members(service, stackTracePrinter, members), customizer);
    }

    /** A formatter outside Spring Boot's logging system, for lines of {@code service}. */
    public static JsonLogFormatter forService(String service) {
        return new JsonLogFormatter(service, null, null);
    }

    private static void members(String service, StackTracePrinter printer, JsonWriter.Members<ILoggingEvent> members) {
        members.add("timestamp", ILoggingEvent::getInstant);
        members.add("level", ILoggingEvent::getLevel);
        members.add("logger", ILoggingEvent::getLoggerName);
        members.add("thread", ILoggingEvent::getThreadName);
        members.add("service", service);
        members.add("message", ILoggingEvent::getFormattedMessage).as(LogSanitizer::sanitize);
        members.add().usingPairs((ILoggingEvent event, BiConsumer<String, Object> pairs) -> {
            event.getMDCPropertyMap().forEach(pairs);
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    pairs.accept(pair.key, pair.value instanceof String text ? LogSanitizer.sanitize(text) : pair.value);
                }
            }
        });
        members.add("stack_trace", ILoggingEvent::getThrowableProxy).whenNotNull()
                .as(proxy -> stackTrace(printer, proxy));
    }

    private static String stackTrace(StackTracePrinter printer, IThrowableProxy proxy) {
        String trace = printer != null && proxy instanceof ThrowableProxy thrown
                ? printer.printStackTraceToString(thrown.getThrowable())
                : ThrowableProxyUtil.asString(proxy);
        return LogSanitizer.sanitize(trace);
    }
}
