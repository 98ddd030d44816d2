package io.taskstream.worker.execution;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.tracing.Tracing;

/**
 * Reports attempts to Kafka: {@code PROCESSING} events to {@code events}, results to {@code results},
 * both keyed by task id (the scheduler's topology is co-partitioned on it). The template's producer
 * must be idempotent with {@code acks=all}: a completed future then means the record is durable.
 */
public final class KafkaAttemptReporter implements AttemptReporter, AutoCloseable {

    private final ProducerFactory<String, Object> producers;
    private final KafkaTemplate<String, Object> template;
    private final Topics topics;

    /**
     * @param producers  owned by this reporter and closed with it (deliberately not a bean of its own,
     *                   so an application embedding the worker keeps Boot's default Kafka template)
     */
    public KafkaAttemptReporter(ProducerFactory<String, Object> producers, Topics topics) {
        this.producers = producers;
        this.template = new KafkaTemplate<>(producers);
        this.topics = topics;
    }

    @Override
    public CompletableFuture<Void> started(TaskEvent processing) {
        return template.send(traced(topics.events(), processing.taskId().toString(), processing)).thenApply(r -> null);
    }

    @Override
    public CompletableFuture<Void> finished(AttemptResult result) {
        return template.send(traced(topics.results(), result.taskId().toString(), result)).thenApply(r -> null);
    }

    /** A record carrying the current span (the attempt's) as its {@code traceparent}, when there is one. */
    private static ProducerRecord<String, Object> traced(String topic, String key, Object value) {
        ProducerRecord<String, Object> record = new ProducerRecord<>(topic, key, value);
        Tracing.currentTraceparent().ifPresent(traceparent ->
                record.headers().add(Headers.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    /** Closes the producer, which first sends what it still holds. */
    @Override
    public void close() throws Exception {
        if (producers instanceof DisposableBean disposable) {
            disposable.destroy();
        }
    }
}
