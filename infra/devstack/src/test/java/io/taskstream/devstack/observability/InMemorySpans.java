package io.taskstream.devstack.observability;

import java.util.Collection;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The span exporter named {@code memory} ({@code otel.traces.exporter=memory}, set by {@code ObservabilityIT}): every service of the
 * JVM exports into one {@link InMemorySpanExporter}, which a test reads. Found by the OpenTelemetry
 * SDK's autoconfiguration through {@code META-INF/services}, exactly as a real exporter would be.
 */
public final class InMemorySpans implements ConfigurableSpanExporterProvider {

    public static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @Override
    public String getName() {
        return "memory";
    }

    @Override
    public SpanExporter createExporter(ConfigProperties config) {
        // each service's SDK shuts its exporter down with it: the shared one must outlive them all
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return SPANS.export(spans);
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }
}
