package io.taskstream.schemas.tracing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * How a task is traced: one OpenTelemetry trace follows it from {@code POST /tasks} through the
 * submit topic, the scheduler's topology, the ready topic and the worker's execution, linked by the
 * W3C {@code traceparent} header on every Kafka record ({@link io.taskstream.schemas.Headers#TRACEPARENT}).
 *
 * <p>Each service builds one instance at start-up with {@link #fromEnvironment(String)}: the
 * OpenTelemetry SDK's own autoconfiguration, so the standard {@code OTEL_*} variables (and
 * {@code otel.*} system properties) configure it — {@code OTEL_EXPORTER_OTLP_ENDPOINT},
 * {@code OTEL_TRACES_SAMPLER[_ARG]}, {@code OTEL_SERVICE_NAME}, {@code OTEL_RESOURCE_ATTRIBUTES},
 * {@code OTEL_TRACES_EXPORTER}, {@code OTEL_BSP_*}. Our defaults, each overridable: sample 10 % of new
 * traces and follow the caller's decision for the rest ({@code parentbased_traceidratio}, 0.1); export
 * over OTLP only when an OTLP endpoint (or an exporter) is configured, so a laptop without a collector
 * logs no export errors — and start no sampled trace while nothing exports (trace ids and the
 * caller's sampling decision still flow); no OpenTelemetry metrics or logs (metrics are Micrometer's, logs go to stdout).
 * Nothing is installed as the global OpenTelemetry: several services may share one JVM (the devstack).
 *
 * <p>A span in progress is a {@link TracedWork}: current on the thread, its ids in the logging MDC
 * ({@value #TRACE_ID}, {@value #SPAN_ID}) and, when it is about one task, the task's ids too. Calls to
 * PostgreSQL and Redis made inside one become child spans ({@link #client}); outside a trace they are not
 * traced at all (a heartbeat is not worth a trace).
 */
public final class Tracing implements AutoCloseable {

    /** MDC key of the current trace id (32 hex digits). */
    public static final String TRACE_ID = "trace_id";
    /** MDC key of the current span id (16 hex digits). */
    public static final String SPAN_ID = "span_id";

    static final AttributeKey<String> TASK_ID = AttributeKey.stringKey("taskstream.task.id");
    static final AttributeKey<String> TENANT_ID = AttributeKey.stringKey("taskstream.tenant.id");
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");

    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return () -> Arrays.stream(carrier.toArray()).map(Header::key).iterator();
        }

        @Override
        public String get(Headers carrier, String key) {
            Header header = carrier == null ? null : carrier.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;

    public Tracing(OpenTelemetry openTelemetry, String instrumentationName) {
        this.openTelemetry = openTelemetry;
        this.tracer = openTelemetry.getTracer(instrumentationName);
    }

    /**
     * The SDK configured by the {@code OTEL_*} variables and {@code otel.*} system properties, with
     * {@code serviceName} as {@code service.name} unless {@code OTEL_SERVICE_NAME} says otherwise.
     */
    public static Tracing fromEnvironment(String serviceName) {
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults(serviceName))
                .addPropertiesCustomizer(Tracing::exportOnlyWhenConfigured)
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        return new Tracing(sdk, "io.taskstream");
    }

    /**
     * Every span recorded and handed to {@code exporter} as it ends, W3C propagation, service name
     * {@code serviceName}: for tests (with an in-memory exporter) and tools.
     */
    public static Tracing exportingAll(String serviceName, SpanExporter exporter) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.alwaysOn())
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        return new Tracing(OpenTelemetrySdk.builder().setTracerProvider(provider).build(), "io.taskstream");
    }

    /** A tracer that records nothing and propagates nothing: for tests and tools. */
    public static Tracing noop() {
        return new Tracing(OpenTelemetry.noop(), "io.taskstream");
    }

    static Map<String, String> defaults(String serviceName) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", serviceName);
        // OTLP over HTTP (port 4318), the protocol the JDK's HTTP client speaks: no gRPC stack on the class path
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        return defaults;
    }

    /**
     * OTLP is the exporter when an endpoint is given; without one (and no exporter named) spans are not
     * exported. The sampler, unless one is set: 10 % of new traces, the caller's decision for the rest
     * ({@code parentbased_traceidratio}, 0.1) — and no new trace when nothing exports them
     * ({@code parentbased_always_off}): a recorded span nobody receives costs CPU for nothing. Trace ids,
     * and so log correlation, exist all the same, and a caller's sampled flag travels on unchanged.
     */
    static Map<String, String> exportOnlyWhenConfigured(ConfigProperties config) {
        boolean named = config.getString("otel.traces.exporter") != null;
        boolean endpoint = config.getString("otel.exporter.otlp.endpoint") != null
                || config.getString("otel.exporter.otlp.traces.endpoint") != null;
        boolean exporting = named && !"none".equals(config.getString("otel.traces.exporter")) || !named && endpoint;
        Map<String, String> settings = new HashMap<>();
        if (!named && !endpoint) {
            settings.put("otel.traces.exporter", "none");
        }
        if (config.getString("otel.traces.sampler") == null) {
            settings.put("otel.traces.sampler", exporting ? "parentbased_traceidratio" : "parentbased_always_off");
            settings.put("otel.traces.sampler.arg", "0.1");
        }
        return settings;
    }

    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /**
     * The trace context a Kafka record carries in its {@code traceparent} header, or the root context.
     * Propagation is W3C Trace Context, always: it is part of the Kafka contract (not {@code OTEL_PROPAGATORS}).
     */
    public static Context extract(Headers headers) {
        return headers == null ? Context.root() : W3C.extract(Context.root(), headers, KAFKA_HEADERS);
    }

    /** The trace context of a stored or received {@code traceparent} value (null, malformed: the root context). */
    public static Context extract(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3C.extract(Context.root(), Map.of(io.taskstream.schemas.Headers.TRACEPARENT, traceparent), MAP);
    }

    /** The W3C {@code traceparent} of the span current on this thread, empty when there is none. */
    public static Optional<String> currentTraceparent() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid()
                ? Optional.of("00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex())
                : Optional.empty();
    }

    /**
     * The context a task's work continues: the span current on this thread when there is one, else the
     * task's stored {@code traceparent} (work started by a timer, not by a record).
     */
    public static Context continuing(String storedTraceparent) {
        return Span.current().getSpanContext().isValid() ? Context.current() : extract(storedTraceparent);
    }

    /**
     * Starts a span under {@code parent} and makes it current, with its ids (and the task's, when
     * {@code taskId} is not null) in the MDC until {@link TracedWork#close()}.
     */
    public TracedWork start(String name, SpanKind kind, Context parent, String taskId, String tenantId) {
        var builder = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
        if (taskId != null) {
            builder.setAttribute(TASK_ID, taskId);
        }
        if (tenantId != null) {
            builder.setAttribute(TENANT_ID, tenantId);
        }
        return TracedWork.open(builder.startSpan(), parent, taskId, tenantId);
    }

    /**
     * Runs one call to PostgreSQL or Redis ({@code system}: {@code postgresql}, {@code redis}) as a
     * client span under the current one; without a current span it just runs.
     */
    public <T> T client(String system, String operation, Supplier<T> call) {
        if (!Span.current().getSpanContext().isValid()) {
            return call.get();
        }
        Span span = tracer.spanBuilder(operation).setSpanKind(SpanKind.CLIENT)
                .setAttribute(DB_SYSTEM, system).setAttribute(DB_OPERATION, operation).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return call.get();
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Flushes and stops the SDK (exports what is buffered). */
    @Override
    public void close() {
        if (openTelemetry instanceof OpenTelemetrySdk sdk) {
            sdk.close();
        }
    }
}
