package io.taskstream.bench.suite;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.Topics;

/**
 * Writes tasks straight to {@code submit.normal} as a direct producer would (contract §3): one
 * {@code TaskSubmission} JSON per task, keyed by its id, {@code acks=all}, idempotent, batched (lingers 5 ms,
 * 256 KiB batches, LZ4). The value is written by hand from a fixed shape — this is the generator's hot path
 * and it must stay light on a machine it shares with what it measures. Counts what Kafka acknowledged and
 * remembers the first failure, which the run reports (an unacknowledged task is not "submitted").
 */
final class TaskProducer implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final Clock clock;
    private final RandomGenerator random;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    TaskProducer(String bootstrap, Topics topics, Clock clock, RandomGenerator random) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "bench-producer",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024),
                new StringSerializer(), new ByteArraySerializer());
        this.topic = topics.submit(Priority.NORMAL);
        this.clock = clock;
        this.random = random;
    }

    /**
     * Sends one task of {@code tenant}: {@code type} with {@code payloadJson}, due at {@code runAt} (null:
     * at once). Returns its id. Blocks only when the producer's buffer is full.
     */
    UUID send(String tenant, String type, String payloadJson, Instant runAt) {
        UUID id = TaskIds.newId(clock, random);
        StringBuilder json = new StringBuilder(160).append("{\"id\":\"").append(id).append("\",\"tenantId\":\"")
                .append(tenant).append("\",\"type\":\"").append(type).append("\",\"payload\":").append(payloadJson);
        if (runAt != null) {
            json.append(",\"runAt\":\"").append(runAt).append('"');
        }
        json.append('}');
        producer.send(new ProducerRecord<>(topic, id.toString(), json.toString().getBytes(StandardCharsets.UTF_8)),
                (metadata, exception) -> {
                    if (exception == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, exception);
                    }
                });
        return id;
    }

    /** Waits until everything sent so far is acknowledged (or failed). */
    void flush() {
        producer.flush();
    }

    long acknowledged() {
        return acknowledged.get();
    }

    /** The first send that failed, if any did. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
