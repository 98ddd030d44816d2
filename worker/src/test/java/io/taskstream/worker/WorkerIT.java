package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Topics;

/**
 * The worker against the shared embedded Kafka broker, started the way the devstack launcher
 * starts it: in process, {@code web(NONE)}, configured only through
 * {@code SpringApplicationBuilder.properties}. Each test has topics (prefix) and a consumer group
 * of its own.
 */
class WorkerIT {

    static final Duration WITHIN = Duration.ofSeconds(60);

    final String bootstrap = SharedInfrastructure.forClass(WorkerIT.class).kafkaBootstrap();
    final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    final String group = prefix + "workers";
    final Topics topics = new Topics(prefix);
    final List<ConfigurableApplicationContext> workers = new ArrayList<>();

    KafkaProducer<String, byte[]> producer;
    KafkaConsumer<String, byte[]> reader;

    @BeforeEach
    void clients() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        reader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        workers.forEach(ConfigurableApplicationContext::close);
        producer.close();
        reader.close();
    }

    ConfigurableApplicationContext startWorker(String workerId) {
        return startWorker(workerId, WebApplicationType.NONE, Map.of());
    }

    ConfigurableApplicationContext startWorker(String workerId, WebApplicationType web, Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>(extra);
        // what the devstack launcher passes (worker.yml outranks these default properties, so the
        // endpoint goes in through the variable its placeholder reads)
        properties.put("TASKSTREAM_KAFKA_BOOTSTRAP", bootstrap);
        properties.put("taskstream.worker.worker-id", workerId);
        properties.put("taskstream.worker.sample-handlers", "true");
        // this test's own topics and group, and a short poll so commits show quickly
        properties.put("taskstream.topics.prefix", prefix);
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.worker.group-id", group);
        properties.put("taskstream.worker.poll-timeout", "100ms");
        ConfigurableApplicationContext worker = WorkerApplication.application()
                .web(web)
                .properties(properties)
                .run();
        workers.add(worker);
        return worker;
    }

    void publish(String key, TaskDispatch dispatch) {
        publish(key, JsonSerde.of(TaskDispatch.class).serializer().serialize(topics.ready(dispatch.priority()), dispatch));
    }

    void publish(String key, byte[] value) {
        producer.send(new ProducerRecord<>(topics.ready(Priority.NORMAL), key, value));
        producer.flush();
    }

    /** Reads {@code events} and {@code results} from the beginning until {@code done} holds. */
    Seen awaitSeen(Predicate<Seen> done) {
        Seen seen = new Seen(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<TopicPartition> partitions = new ArrayList<>();
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

    record Seen(List<TaskEvent> events, List<AttemptResult> results, List<ConsumerRecord<String, byte[]>> records) {
        List<AttemptResult> resultsOf(UUID taskId) {
            return results.stream().filter(r -> r.taskId().equals(taskId)).toList();
        }

        boolean hasResult(UUID taskId) {
            return !resultsOf(taskId).isEmpty();
        }
    }

    @Test
    void aDispatchOnReadyNormalIsRunAndReportedAsProcessingThenCompleted() {
        startWorker("it-worker-1");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 4, 5);

        publish(dispatch.dispatchKey(), dispatch);
        Seen seen = awaitSeen(s -> s.hasResult(dispatch.taskId()) && !s.events().isEmpty());

        assertThat(seen.events()).singleElement().satisfies(event -> {
            assertThat(event.taskId()).isEqualTo(dispatch.taskId());
            assertThat(event.status()).isEqualTo(TaskStatus.PROCESSING);
            assertThat(event.version()).isEqualTo(5);
            assertThat(event.attempts()).isEqualTo(1);
            assertThat(event.execution().workerId()).isEqualTo("it-worker-1");
            assertThat(event.execution().outcome()).isNull();
        });
        assertThat(seen.resultsOf(dispatch.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(result.attempt()).isEqualTo(1);
            assertThat(result.workerId()).isEqualTo("it-worker-1");
            assertThat(result.result().get("messageId").asString()).isEqualTo("msg-" + dispatch.taskId());
            assertThat(result.finishedAt()).isAfterOrEqualTo(result.startedAt());
        });
        assertThat(seen.records()).allSatisfy(record -> {
            assertThat(record.key()).isEqualTo(dispatch.taskId().toString());
            assertThat(new String(record.headers().lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                    .isIn("task-event/v1", "attempt-result/v1");
        });
    }

    @Test
    void aPoisonRecordIsSkippedAndTheNextDispatchOnItsPartitionStillRuns() {
        ConfigurableApplicationContext worker = startWorker("it-worker-2");
        TaskDispatch failing = dispatch(UUID.randomUUID(), "fail", Map.of("failTimes", 1, "retryable", false), 1, 4, 3);

        publish("same-key", "this is not a dispatch".getBytes(StandardCharsets.UTF_8));
        publish("same-key", failing);
        Seen seen = awaitSeen(s -> s.hasResult(failing.taskId()));

        assertThat(seen.resultsOf(failing.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("handler_error");
            assertThat(result.error().retryable()).isFalse();
        });
        assertThat(worker.getBean(MeterRegistry.class).get("taskstream.worker.dispatches.skipped")
                .tag("reason", "unreadable").counter().count()).isEqualTo(1);
    }

    @Test
    void finishedWorkIsCommittedSoARestartedWorkerOfTheGroupDoesNotRunItAgain() throws Exception {
        ConfigurableApplicationContext first = startWorker("it-worker-3a");
        TaskDispatch before = dispatch(UUID.randomUUID(), "log", Map.of("n", 1), 1, 4, 3);
        publish("customer-42", before);
        awaitSeen(s -> s.hasResult(before.taskId()));
        first.close();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertThat(committed.values()).extracting(OffsetAndMetadata::offset).containsExactly(1L);
        }

        startWorker("it-worker-3b");
        TaskDispatch after = dispatch(UUID.randomUUID(), "log", Map.of("n", 2), 1, 4, 3);
        publish("customer-42", after);
        Seen seen = awaitSeen(s -> s.hasResult(after.taskId()));

        assertThat(seen.resultsOf(before.taskId())).singleElement()
                .extracting(AttemptResult::workerId).isEqualTo("it-worker-3a");
        assertThat(seen.resultsOf(after.taskId())).singleElement()
                .extracting(AttemptResult::workerId).isEqualTo("it-worker-3b");
    }

    @Test
    void runStandaloneItServesHealthAndPrometheusMetrics() throws Exception {
        ConfigurableApplicationContext worker = startWorker("it-worker-4", WebApplicationType.SERVLET,
                Map.of("TASKSTREAM_HTTP_PORT", "0"));
        String base = "http://localhost:" + worker.getEnvironment().getProperty("local.server.port");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "report.generate", Map.of("ms", 1), 1, 4, 3);
        publish(dispatch.dispatchKey(), dispatch);
        awaitSeen(s -> s.hasResult(dispatch.taskId()));

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("taskstream_worker_tasks_total{outcome=\"completed\",type=\"report.generate\"} 1.0")
                    .contains("taskstream_worker_task_duration_seconds_count{outcome=\"completed\",type=\"report.generate\"} 1")
                    .contains("taskstream_worker_dispatches_unfinished");
        }
    }
}
