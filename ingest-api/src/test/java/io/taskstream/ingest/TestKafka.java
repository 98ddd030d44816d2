package io.taskstream.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

import io.taskstream.schemas.JsonSerde;

/**
 * Plays the other services in integration tests: publishes wire documents as the scheduler and workers
 * do ({@link JsonSerde}, {@code ts-schema} header), reads what the API produced, and waits until a
 * projection has committed everything published so far.
 */
public final class TestKafka implements AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;

    public TestKafka(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    /** Publishes a wire document keyed by {@code key} and waits for the acknowledgement. */
    @SuppressWarnings("unchecked")
    public <T> void publish(String topic, String key, T document) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, null);
        byte[] value = JsonSerde.of((Class<T>) document.getClass()).serializer().serialize(topic, record.headers(),
                document);
        send(new ProducerRecord<>(topic, null, key, value, record.headers()));
    }

    public void publishRaw(String topic, String key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    /** Publishes a raw value to one partition of {@code topic}. */
    public void publishRaw(String topic, int partition, String key, byte[] value) {
        send(new ProducerRecord<>(topic, partition, key, value));
    }

    /**
     * Consumes {@code topic} as a member of {@code groupId} would, from the group's position (or the
     * earliest offset) to the current end, and commits that end: afterwards the group has no lag on it.
     */
    public void consumeAndCommit(String groupId, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
            consumer.commitSync(partitions.stream().collect(Collectors.toMap(p -> p,
                    p -> new OffsetAndMetadata(consumer.position(p)))));
        }
    }

    /** The admin client of this helper, e.g. to delete records or read offsets. */
    public Admin admin() {
        return admin;
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of {@code topic} up to its current end, in partition and offset order. */
    public List<ConsumerRecord<String, byte[]>> records(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
            return records;
        }
    }

    /** The values of {@code topic}'s records with {@code key}, decoded as {@code type}, in order. */
    public <T> List<T> values(String topic, String key, Class<T> type) {
        return records(topic).stream().filter(r -> key.equals(r.key()))
                .map(r -> JsonSerde.of(type).deserializer().deserialize(topic, r.value())).toList();
    }

    /** Waits until consumer group {@code groupId} has committed every record of {@code topic} published so far. */
    public void awaitCommitted(String groupId, String topic) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> ends = admin.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get();
            return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                    || (committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() >= end.getValue()));
        });
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
    }
}
