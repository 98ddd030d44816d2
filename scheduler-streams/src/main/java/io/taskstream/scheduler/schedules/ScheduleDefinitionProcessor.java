package io.taskstream.scheduler.schedules;

import java.time.Instant;
import java.util.Objects;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import io.taskstream.scheduler.output.DeadLetters;
import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.WireCodec;

/**
 * Reads the compacted {@code schedules} topic into the {@link ScheduleStore} and schedules the stream
 * task's {@link ScheduleTick}.
 * <ul>
 *   <li>A tombstone deletes the schedule.</li>
 *   <li>A definition replaces the previous one. Its next fire time is the first after its
 *       {@code updatedAt} (the time of the change; the stream's time when absent) or after the last
 *       fire, whichever is later — so a new schedule fires from its creation on, a resumed one from its
 *       resumption (no catch-up for the paused time), an edited one by its new cron from the edit on.
 *       A change that keeps the cron and zone of an enabled schedule keeps its next fire time. A
 *       disabled schedule has none.</li>
 *   <li>A record that cannot be read, breaks the schema, is not keyed {@code <tenantId>/<scheduleId>}
 *       or has a cron or zone that cannot be used goes to {@code dlq} with its {@code ts-error} reason
 *       and is counted ({@code scheduler_rejected_schedules_total{reason}}); the schedule it names, if
 *       any, is forgotten: the latest definition of a key is the one that counts (compaction keeps it).</li>
 * </ul>
 */
public final class ScheduleDefinitionProcessor implements Processor<String, byte[], String, Object> {

    public static final String INVALID_CRON = "invalid_cron";
    public static final String KEY_MISMATCH = "key_mismatch";

    private final ScheduleRules rules;
    private final SchedulerMetrics metrics;
    private final WireCodec<ScheduleDefinition> codec;

    private ProcessorContext<String, Object> context;
    private ScheduleStore store;
    private Outputs out;

    public ScheduleDefinitionProcessor(ScheduleRules rules) {
        this.rules = rules;
        this.metrics = rules.metrics();
        this.codec = new WireCodec<>(ScheduleDefinition.class, rules.validator());
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = ScheduleStore.of(context);
        this.out = Outputs.ofSchedules(context);
        context.schedule(rules.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME,
                new ScheduleTick(store, out, rules));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        if (record.value() == null) {
            forget(record.key());
            return;
        }
        switch (codec.read(record.value())) {
            case Decoded.Unreadable<ScheduleDefinition> unreadable ->
                    reject(record, unreadable.reason(), unreadable.detail(), now);
            case Decoded.Invalid<ScheduleDefinition> invalid -> reject(record, WireCodec.INVALID, invalid.detail(), now);
            case Decoded.Valid<ScheduleDefinition> valid -> accept(valid.value(), record, now);
        }
    }

    private void accept(ScheduleDefinition definition, Record<String, byte[]> record, Instant now) {
        if (!definition.key().equals(record.key())) {
            reject(record, KEY_MISMATCH, "the record key must be <tenantId>/<scheduleId> of its value, "
                    + definition.key(), now);
            return;
        }
        CronSchedule cron;
        try {
            cron = rules.cron(definition, now);
        } catch (CronSchedule.InvalidCronException e) {
            reject(record, INVALID_CRON, e.getMessage(), now);
            return;
        }
        ScheduleState previous = store.get(record.key());
        store.save(previous, next(previous, definition, cron, now));
    }

    static ScheduleState next(ScheduleState previous, ScheduleDefinition definition, CronSchedule cron, Instant now) {
        Instant nextFireAt = null;
        if (definition.enabled()) {
            ScheduleDefinition before = previous == null ? null : previous.definition();
            boolean sameTimes = before != null && before.enabled() && previous.nextFireAt() != null
                    && before.cron().equals(definition.cron()) && before.timezone().equals(definition.timezone());
            if (sameTimes) {
                nextFireAt = previous.nextFireAt();
            } else {
                Instant from = Objects.requireNonNullElse(definition.updatedAt(), now);
                if (previous != null && previous.lastFireAt() != null && previous.lastFireAt().isAfter(from)) {
                    from = previous.lastFireAt();
                }
                nextFireAt = cron.nextAfter(from).orElse(null);
            }
        }
        return previous == null ? new ScheduleState(definition, nextFireAt, null, null, null)
                : previous.withDefinition(definition, nextFireAt);
    }

    private void forget(String key) {
        ScheduleState previous = key == null ? null : store.get(key);
        if (previous != null) {
            store.delete(previous);
        }
    }

    private void reject(Record<String, byte[]> record, String reason, String detail, Instant now) {
        metrics.scheduleRejected(reason);
        forget(record.key());
        out.deadLetter(record.key(), DeadLetters.unreadable(reason, detail,
                DeadLetters.source(context.recordMetadata(), record.key(), record.value()), now),
                Outputs.traceparent(record.headers()), now);
    }
}
