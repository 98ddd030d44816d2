package io.taskstream.ingest.dlq;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchMessageListener;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.WireCodec;

/**
 * Consumes {@code dlq} one poll at a time and hands the dead letters that name a task to
 * {@link DeadLetterProjection}. A dead letter without a task (a Kafka record that could not be read at
 * all, kept on {@code dlq} with its raw bytes) is only counted ({@code outcome=without_task}); a record
 * that is not a valid {@code dead-letter/v1} is logged with its coordinates, counted
 * ({@code outcome=unreadable}) and skipped.
 */
public class DeadLetterListener implements BatchMessageListener<String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterListener.class);

    private final DeadLetterProjection projection;
    private final WireCodec<DeadLetter> codec;
    private final Counter withoutTask;
    private final Counter unreadable;

    public DeadLetterListener(DeadLetterProjection projection, SchemaValidator validator, MeterRegistry meters) {
        this.projection = projection;
        this.codec = WireCodec.forPipeline(DeadLetter.class, validator);
        this.withoutTask = DeadLetterProjection.counter(meters, "without_task");
        this.unreadable = DeadLetterProjection.counter(meters, "unreadable");
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
        List<DeadLetter> letters = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.value() == null) {
                continue;
            }
            switch (codec.read(record.value())) {
                case Decoded.Valid<DeadLetter> valid when names(valid.value()) -> letters.add(valid.value());
                case Decoded.Valid<DeadLetter> valid -> withoutTask.increment();
                case Decoded.Invalid<DeadLetter> invalid -> skip(record, invalid.detail());
                case Decoded.Unreadable<DeadLetter> bad -> skip(record, bad.detail());
            }
        }
        projection.apply(letters);
    }

    private static boolean names(DeadLetter letter) {
        return letter.taskId() != null && letter.tenantId() != null;
    }

    private void skip(ConsumerRecord<String, byte[]> record, String why) {
        unreadable.increment();
        log.warn("skipping unreadable dead letter at {}-{}@{}: {}", record.topic(), record.partition(),
                record.offset(), why);
    }
}
