package io.taskstream.scheduler.lifecycle;

import java.time.Instant;
import java.util.Objects;
import java.util.function.BiConsumer;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import io.opentelemetry.api.trace.SpanKind;
import io.taskstream.scheduler.output.DeadLetters;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.WireCodec;
import io.taskstream.schemas.tracing.TracedWork;
import io.taskstream.schemas.tracing.Tracing;

/**
 * A processor of one wire record type that changes tasks: decodes each record with the schema, sends
 * one that cannot be read or breaks the schema to {@code dlq} with its {@code ts-error} reason (and
 * counts it), and hands a valid one to {@link #accept} with the task store, the outputs and the
 * lifecycle rules ready. Time is the stream's wall-clock time.
 *
 * @param <T> the wire record
 */
public abstract class WireRecordProcessor<T> implements Processor<String, byte[], String, Object> {

    private final WireCodec<T> codec;
    private final TaskLifecycle.Rules rules;
    private final BiConsumer<SchedulerMetrics, String> countRejected;
    private final String spanName;
    private final Tracing tracing;

    protected final SchedulerMetrics metrics;
    protected ProcessorContext<String, Object> context;
    protected TaskStore store;
    protected Outputs out;
    protected TaskLifecycle lifecycle;

    /**
     * @param countRejected counts a rejected record by reason (each record type has its own meter)
     * @param spanName      the name of the span each record is handled in (a child of the record's trace)
     */
    protected WireRecordProcessor(Class<T> type, SchemaValidator validator, TaskLifecycle.Rules rules,
                                  BiConsumer<SchedulerMetrics, String> countRejected, String spanName) {
        this.spanName = Objects.requireNonNull(spanName, "spanName");
        this.tracing = rules.tracing();
        this.codec = WireCodec.forPipeline(type, validator);
        this.rules = Objects.requireNonNull(rules, "rules");
        this.countRejected = Objects.requireNonNull(countRejected, "countRejected");
        this.metrics = rules.metrics();
    }

    @Override
    public final void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = TaskStore.of(context);
        this.out = new Outputs(context);
        this.lifecycle = rules.lifecycle(store, out);
    }

    @Override
    public final void process(Record<String, byte[]> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        try (TracedWork ignored = tracing.start(spanName, SpanKind.CONSUMER, Tracing.extract(record.headers()),
                record.key(), null)) {
            switch (codec.read(record.value())) {
                case Decoded.Unreadable<T> unreadable -> reject(record, unreadable.reason(), unreadable.detail(), now);
                case Decoded.Invalid<T> invalid -> reject(record, WireCodec.INVALID, invalid.detail(), now);
                case Decoded.Valid<T> valid -> accept(valid.value(), record, now);
            }
        }
    }

    /** A record that decoded and met its schema. */
    protected abstract void accept(T value, Record<String, byte[]> record, Instant now);

    /** Sends the record to {@code dlq} with {@code reason} as its {@code ts-error}, and counts it. */
    protected final void reject(Record<String, byte[]> record, String reason, String detail, Instant now) {
        countRejected.accept(metrics, reason);
        out.deadLetter(record.key(), DeadLetters.unreadable(reason, detail,
                DeadLetters.source(context.recordMetadata(), record.key(), record.value()), now),
                Outputs.traceparent(record.headers()), now);
    }
}
