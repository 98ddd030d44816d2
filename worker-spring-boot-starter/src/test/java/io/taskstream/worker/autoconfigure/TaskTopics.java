package io.taskstream.worker.autoconfigure;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.Topics;

/**
 * Plays the scheduler for a worker under test: writes dispatches to {@code ready.normal} of topics of
 * its own (a random prefix) and reads what comes back on {@code results}.
 */
final class TaskTopics implements AutoCloseable {

    static final Duration WITHIN = Duration.ofSeconds(60);
    /** Never passes, so a dispatch is run whenever the worker gets to it. */
    static final Instant NO_DEADLINE = Instant.parse("2100-01-01T00:00:00Z");

    final String prefix = "starter-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    final Topics topics = new Topics(prefix);

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> reader;
    private final List<AttemptResult> results = new CopyOnWriteArrayList<>();

    TaskTopics(String bootstrap) {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** A first attempt (of at most 3) of a new task, as the scheduler writes it; returns its task id. */
    UUID publish(String type, Object payload) {
        Instant now = Instant.now();
        TaskDispatch dispatch = new TaskDispatch(UUID.randomUUID(), "acme", type, Json.mapper().valueToTree(payload),
                Priority.NORMAL, 1, 3, Duration.ofMinutes(1), null, Map.of(), null, false, now, now, NO_DEADLINE, 2);
        String topic = topics.ready(Priority.NORMAL);
        producer.send(new ProducerRecord<>(topic, dispatch.dispatchKey(),
                JsonSerde.of(TaskDispatch.class).serializer().serialize(topic, dispatch)));
        producer.flush();
        return dispatch.taskId();
    }

    /** The result of {@code taskId}'s attempt, once the worker has written it. */
    AttemptResult awaitResult(UUID taskId) {
        return await().atMost(WITHIN).until(() -> {
            if (reader.assignment().isEmpty()) {
                List<TopicPartition> partitions = reader.partitionsFor(topics.results()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                reader.assign(partitions);
                reader.seekToBeginning(partitions);
            }
            for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                results.add(JsonSerde.of(AttemptResult.class).deserializer().deserialize(record.topic(), record.value()));
            }
            return results.stream().filter(r -> r.taskId().equals(taskId)).findFirst();
        }, Optional::isPresent).orElseThrow();
    }

    @Override
    public void close() {
        producer.close();
        reader.close();
    }
}
