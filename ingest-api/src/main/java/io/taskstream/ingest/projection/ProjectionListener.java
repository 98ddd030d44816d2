package io.taskstream.ingest.projection;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchMessageListener;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.Decoded;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.WireCodec;

/**
 * Consumes {@code events} one poll at a time and hands the readable events to {@link TaskProjection}.
 * A record that is not a valid {@code task-event/v1} is logged with its coordinates, counted
 * ({@code taskstream.projection.events{outcome=unreadable}}) and skipped: one bad record must never
 * stop the projection.
 */
public class ProjectionListener implements BatchMessageListener<String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(ProjectionListener.class);

    private final TaskProjection projection;
    private final WireCodec<TaskEvent> codec;
    private final Counter unreadable;

    public ProjectionListener(TaskProjection projection, SchemaValidator validator, MeterRegistry meters) {
        this.projection = projection;
        this.codec = WireCodec.forPipeline(TaskEvent.class, validator);
        this.unreadable = TaskProjection.counter(meters, "unreadable");
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
        List<TaskEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.value() == null) {
                continue;
            }
            switch (codec.read(record.value())) {
                case Decoded.Valid<TaskEvent> valid -> events.add(valid.value());
                case Decoded.Invalid<TaskEvent> invalid -> skip(record, invalid.detail());
                case Decoded.Unreadable<TaskEvent> bad -> skip(record, bad.detail());
            }
        }
        projection.apply(events);
    }

    private void skip(ConsumerRecord<String, byte[]> record, String why) {
        unreadable.increment();
        log.warn("skipping unreadable task event at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                why);
    }
}
