package io.taskstream.ingest.schedules;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import io.taskstream.ingest.config.KafkaAcks;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.Topics;

/**
 * Writes schedules to the compacted {@code schedules} topic, keyed {@code <tenantId>/<scheduleId>}
 * ({@link ScheduleDefinition#key()}): the whole definition on every change, a tombstone (null value) on
 * deletion — the topic's latest record per key is the schedule, which is what the scheduler keeps. It waits
 * for Kafka's acknowledgement on the durable producer of submissions ({@code acks=all}, idempotent, every
 * wait bounded by {@code submit-timeout}); a broker that does not answer in time is
 * {@code 503 dependency_unavailable}.
 */
class SchedulePublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulePublisher.class);

    private final KafkaTemplate<String, ScheduleDefinition> template;
    private final Topics topics;
    private final Duration ackTimeout;
    private final Duration retryAfter;
    /** Sends the restores, one after the other in the order asked for, so that no request waits for one. */
    private final ExecutorService restores = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("schedule-restore").daemon().factory());

    /**
     * @param ackTimeout how long to wait for the acknowledgement once the record is handed to the producer
     *                   (its {@code delivery.timeout.ms} plus a margin)
     */
    SchedulePublisher(KafkaTemplate<String, ScheduleDefinition> template, Topics topics, Duration ackTimeout,
            Duration retryAfter) {
        this.template = template;
        this.topics = topics;
        this.ackTimeout = ackTimeout;
        this.retryAfter = retryAfter;
    }

    /** Returns once Kafka has the definition durably; throws {@link ApiException} (503) otherwise. */
    void publish(ScheduleDefinition definition, String traceparent) {
        send(definition.key(), definition, traceparent);
    }

    /** Returns once Kafka has the tombstone of schedule {@code key} durably; 503 otherwise. */
    void publishDeletion(String key, String traceparent) {
        send(key, null, traceparent);
    }

    /**
     * Puts schedule {@code key} back to {@code definition} (null: deleted) after a write whose record may have
     * reached Kafka although the write failed. It is sent from a thread of its own, so the request does not
     * wait for it (with the broker gone, even handing it over would wait for metadata); the producer keeps a
     * partition's records in order, so it lands after the record it corrects. A failure is only logged.
     */
    void restore(String key, ScheduleDefinition definition) {
        restores.execute(() -> {
            try {
                template.send(record(key, definition, null)).whenComplete((result, failure) -> {
                    if (failure != null) {
                        restoreFailed(key, definition, failure);
                    }
                });
            } catch (RuntimeException e) {
                restoreFailed(key, definition, e);
            }
        });
    }

    private void restoreFailed(String key, ScheduleDefinition definition, Throwable failure) {
        log.error("schedule {} could not be put back to {} on {} after a failed write: {}; write it again (PUT or "
                + "DELETE) to make the topic agree with the API", key,
                definition == null ? "deleted" : "its stored definition", topics.schedules(), failure.getMessage());
    }

    /** Stops the thread of the restores once those already asked for are handed to the producer. */
    @Override
    public void close() throws InterruptedException {
        restores.shutdown();
        restores.awaitTermination(ackTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
    }

    private ProducerRecord<String, ScheduleDefinition> record(String key, ScheduleDefinition value,
            String traceparent) {
        ProducerRecord<String, ScheduleDefinition> record = new ProducerRecord<>(topics.schedules(), key, value);
        if (traceparent != null) {
            record.headers().add(Headers.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private void send(String key, ScheduleDefinition value, String traceparent) {
        KafkaAcks.sendAndAwait(() -> template.send(record(key, value, traceparent)), ackTimeout,
                this::unavailable);
    }

    private ApiException unavailable(Throwable cause) {
        return ApiException.dependencyUnavailable("Kafka did not acknowledge the schedule in time, so it was not "
                + "changed; retry later", retryAfter, cause);
    }
}
