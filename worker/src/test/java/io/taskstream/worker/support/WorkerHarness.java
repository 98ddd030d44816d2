package io.taskstream.worker.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

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
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import io.taskstream.embedded.Infrastructure;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Topics;
import io.taskstream.worker.WorkerApplication;

/**
 * Runs workers against real infrastructure the way the devstack launcher starts them: in process,
 * configured only through {@code SpringApplicationBuilder.properties}, with topics (prefix) and a
 * consumer group of their own. Publishes dispatches, reads {@code events} and {@code results}.
 * One per test; {@link #close()} stops everything it started.
 */
public final class WorkerHarness implements AutoCloseable {

    public static final Duration WITHIN = Duration.ofSeconds(60);

    public final String bootstrap;
    public final String redisUrl;
    public final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    public final String group = prefix + "workers";
    public final Topics topics = new Topics(prefix);

    private final List<ConfigurableApplicationContext> workers = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> reader;
    private final Seen seen = new Seen(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    private final List<TopicPartition> partitions = new ArrayList<>();

    public WorkerHarness(Infrastructure infrastructure) {
        this.bootstrap = infrastructure.kafkaBootstrap();
        this.redisUrl = infrastructure.redisUrl();
        // Not idempotent, one request in flight (order kept all the same): the ready topics are created by the
        // worker moments before the first send, and an idempotent producer whose first batches meet "not the
        // leader" on such a fresh partition can fall into an out-of-order-sequence loop until its delivery
        // timeout (2 min) — seen in PriorityIT's 50,000-record publish.
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new StringSerializer(),
                new ByteArraySerializer());
        reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    public ConfigurableApplicationContext startWorker(String workerId) {
        return startWorker(workerId, WebApplicationType.NONE, Map.of());
    }

    public ConfigurableApplicationContext startWorker(String workerId, Map<String, Object> extra) {
        return startWorker(workerId, WebApplicationType.NONE, extra);
    }

    /**
     * @param extra properties that worker.yml does not set (it outranks them)
     * @param args  command-line arguments ({@code --name=value}), which outrank worker.yml
     */
    public ConfigurableApplicationContext startWorker(String workerId, WebApplicationType web,
                                                      Map<String, Object> extra, String... args) {
        Map<String, Object> properties = new HashMap<>();
        // what the devstack launcher passes (worker.yml outranks these default properties, so the
        // endpoints go in through the variables its placeholders read)
        properties.put("TASKSTREAM_KAFKA_BOOTSTRAP", bootstrap);
        properties.put("TASKSTREAM_REDIS_URL", redisUrl);
        properties.put("taskstream.worker.worker-id", workerId);
        properties.put("taskstream.worker.sample-handlers", "true");
        // this test's own topics and group, and a short poll so commits show quickly
        properties.put("taskstream.topics.prefix", prefix);
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.worker.group-id", group);
        properties.put("taskstream.worker.poll-timeout", "100ms");
        properties.putAll(extra);
        ConfigurableApplicationContext worker = WorkerApplication.application()
                .web(web)
                .properties(properties)
                .run(args);
        workers.add(worker);
        return worker;
    }

    public void publish(TaskDispatch dispatch) {
        publish(dispatch.dispatchKey(), dispatch);
    }

    /** Sends them all (each to its priority's ready topic, keyed by its dispatch key), then flushes once. */
    public void publishAll(List<TaskDispatch> dispatches) {
        for (TaskDispatch dispatch : dispatches) {
            String topic = topics.ready(dispatch.priority());
            producer.send(new ProducerRecord<>(topic, dispatch.dispatchKey(),
                    JsonSerde.of(TaskDispatch.class).serializer().serialize(topic, dispatch)));
        }
        producer.flush();
    }

    /** Sends it to its priority's ready topic with that key. */
    public void publish(String key, TaskDispatch dispatch) {
        String topic = topics.ready(dispatch.priority());
        send(topic, key, JsonSerde.of(TaskDispatch.class).serializer().serialize(topic, dispatch));
    }

    /** Sends any bytes to {@code ready.normal}. */
    public void publish(String key, byte[] value) {
        send(topics.ready(Priority.NORMAL), key, value);
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
        producer.flush();
    }

    /**
     * Reads {@code events} and {@code results} until {@code done} holds; what was read stays read
     * (a later call goes on from there, with everything seen so far).
     */
    public Seen awaitSeen(Predicate<Seen> done) {
        await().atMost(WITHIN).until(() -> {
            if (partitions.isEmpty()) {
                for (String topic : List.of(topics.events(), topics.results())) {
                    reader.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
                reader.assign(partitions);
                reader.seekToBeginning(partitions);
            }
            for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                seen.records().add(record);
                if (record.topic().equals(topics.events())) {
                    seen.events().add(JsonSerde.of(TaskEvent.class).deserializer().deserialize(record.topic(),
                            record.value()));
                } else {
                    seen.results().add(JsonSerde.of(AttemptResult.class).deserializer().deserialize(record.topic(),
                            record.value()));
                }
            }
            return done.test(seen);
        });
        return seen;
    }

    @Override
    public void close() {
        workers.forEach(ConfigurableApplicationContext::close);
        producer.close();
        reader.close();
    }

    /** Everything read from {@code events} and {@code results}. */
    public record Seen(List<TaskEvent> events, List<AttemptResult> results,
                       List<ConsumerRecord<String, byte[]>> records) {

        public List<AttemptResult> resultsOf(UUID taskId) {
            return results.stream().filter(r -> r.taskId().equals(taskId)).toList();
        }

        public boolean hasResult(UUID taskId) {
            return !resultsOf(taskId).isEmpty();
        }

        public List<TaskEvent> eventsOf(UUID taskId) {
            return events.stream().filter(e -> e.taskId().equals(taskId)).toList();
        }

        public boolean isProcessing(UUID taskId) {
            return eventsOf(taskId).stream().anyMatch(e -> e.status() == TaskStatus.PROCESSING);
        }
    }
}
