package io.taskstream.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.management.ObjectName;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.InfrastructureExtension;
import io.taskstream.scheduler.config.SchedulerStreams;
import io.taskstream.scheduler.config.SchedulerStreamsHealthIndicator;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Topics;

/**
 * The scheduler as the devstack starts it (a Spring context without web server, endpoints given
 * as plain properties) against a real KRaft broker: a poison record does not stop the stream,
 * and a valid submission goes all the way to a dispatch and, with a worker's result, to COMPLETED.
 */
@ExtendWith(InfrastructureExtension.class)
class SchedulerApplicationIT {

    static final Topics TOPICS = new Topics("it.");

    static String bootstrap;
    static ConfigurableApplicationContext app;

    @BeforeAll
    static void start(Infrastructure infrastructure) {
        bootstrap = infrastructure.kafkaBootstrap();
        app = SchedulerApplication.application()
                .web(WebApplicationType.NONE)
                .properties(Map.of(
                        "TASKSTREAM_KAFKA_BOOTSTRAP", bootstrap,
                        "taskstream.topics.prefix", TOPICS.prefix(),
                        "taskstream.topics.partitions", "2",
                        "taskstream.scheduler.application-id", "it-scheduler",
                        "logging.level.org.apache.kafka", "WARN",
                        "logging.level.kafka", "WARN",
                        "logging.level.state.change.logger", "WARN"))
                .run();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void poisonRecordGoesToTheDlqAndTheNextSubmissionIsQueuedAndDispatched() throws Exception {
        SchedulerStreams streams = app.getBean(SchedulerStreams.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

        UUID id = UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(TOPICS.submit(Priority.NORMAL), "poison",
                    "{\"tenantId\": ".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(TOPICS.submit(Priority.NORMAL), id.toString(), """
                    {"id": "%s", "tenantId": "acme", "type": "log", "payload": {"msg": "hi"}}"""
                    .formatted(id).getBytes(StandardCharsets.UTF_8))).get();
        }

        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(TOPICS.dlq(), TOPICS.events(), TOPICS.ready(Priority.NORMAL)));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().anyMatch(r -> r.topic().equals(TOPICS.ready(Priority.NORMAL)))
                        && seen.stream().anyMatch(r -> r.topic().equals(TOPICS.dlq()));
            });

            ConsumerRecord<String, byte[]> dead = only(seen, TOPICS.dlq());
            assertThat(dead.key()).isEqualTo("poison");
            assertThat(new String(dead.headers().lastHeader(Headers.ERROR).value(), StandardCharsets.UTF_8))
                    .isEqualTo("unreadable_record");
            assertThat(Json.mapper().readValue(dead.value(), DeadLetter.class).source().value())
                    .isEqualTo("{\"tenantId\": ");

            TaskEvent queued = Json.mapper().readValue(only(seen, TOPICS.events()).value(), TaskEvent.class);
            assertThat(queued.taskId()).isEqualTo(id);
            assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
            assertThat(queued.version()).isEqualTo(1);

            ConsumerRecord<String, byte[]> ready = only(seen, TOPICS.ready(Priority.NORMAL));
            assertThat(ready.key()).isEqualTo(id.toString());
            TaskDispatch dispatch = Json.mapper().readValue(ready.value(), TaskDispatch.class);
            assertThat(dispatch.attempt()).isEqualTo(1);
            assertThat(dispatch.eventVersion()).isEqualTo(2);

            try (KafkaProducer<String, byte[]> producer = producer()) {
                AttemptResult result = new AttemptResult(id, "acme", 1, 1, "w1", AttemptOutcome.COMPLETED, null, null,
                        Instant.now(), Instant.now());
                producer.send(new ProducerRecord<>(TOPICS.results(), id.toString(),
                        Json.mapper().writeValueAsBytes(result))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().filter(r -> r.topic().equals(TOPICS.events())).count() == 2;
            });
            TaskEvent completed = Json.mapper().readValue(seen.stream()
                    .filter(r -> r.topic().equals(TOPICS.events())).toList().getLast().value(), TaskEvent.class);
            assertThat(completed.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(completed.version()).isEqualTo(3);
        }

        assertThat(app.getBean(SchedulerStreamsHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        HealthEndpoint health = app.getBean(HealthEndpoint.class);
        assertThat(health.healthForPath("readiness")).as("streams RUNNING, Kafka reachable")
                .extracting(HealthDescriptor::getStatus).isEqualTo(Status.UP);
        assertThat(app.getBean(HealthEndpointGroups.class).get("readiness").isMember("kafka")).isTrue();
        assertThat(health.healthForPath("liveness")).extracting(HealthDescriptor::getStatus).isEqualTo(Status.UP);
        assertThat(app.getBean(PrometheusMeterRegistry.class).scrape())
                .contains("tasks_rejected_total{reason=\"unreadable_record\"} 1.0")
                .contains("tasks_submitted_total{priority=\"normal\",tenant=\"acme\",type=\"log\"} 1.0")
                .contains("tasks_completed_total{priority=\"normal\",tenant=\"acme\",type=\"log\"} 1.0")
                .contains("scheduler_timer_store_size ")
                .contains("kafka_stream_")
                .contains("kafka_consumer_fetch_manager_records_lag_max{");
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(ManagementFactory.getPlatformMBeanServer()
                .queryNames(new ObjectName("kafka.streams:type=stream-metrics,*"), null))
                .as("no JMX beans: several services share the devstack's JVM").isEmpty();
    }

    @Test
    void theTimerStoreSizeCountsDelayedTasksThroughInteractiveQueries() throws Exception {
        SchedulerStreams streams = app.getBean(SchedulerStreams.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        Gauge size = app.getBean(MeterRegistry.class).get("scheduler.timer.store.size").gauge();
        double before = size.value();

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 2; i++) {
                UUID id = UUID.randomUUID();
                producer.send(new ProducerRecord<>(TOPICS.submit(Priority.NORMAL), id.toString(), """
                        {"id": "%s", "tenantId": "delayed", "type": "log", "payload": {}, "delay": "PT1H"}"""
                        .formatted(id).getBytes(StandardCharsets.UTF_8))).get();
            }
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(size.value()).isEqualTo(before + 2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"results, mm., must have the same number of partitions (they are co-partitioned by task id)",
            "schedule-runs, mr., must have the same number of partitions (they are co-partitioned by schedule)"})
    void refusesToStartWhenTheInputsAreNotCoPartitioned(String topic, String prefix, String message)
            throws Exception {
        Topics mismatched = new Topics(prefix);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(prefix + topic, 3, (short) 1))).all().get();
        }

        assertThatThrownBy(() -> SchedulerApplication.application()
                .web(WebApplicationType.NONE)
                .properties(Map.of(
                        "TASKSTREAM_KAFKA_BOOTSTRAP", bootstrap,
                        "taskstream.topics.prefix", mismatched.prefix(),
                        "taskstream.topics.partitions", "2",
                        "taskstream.scheduler.application-id", "it-mismatched-" + topic,
                        "logging.level.org.apache.kafka", "WARN",
                        "logging.level.kafka", "WARN",
                        "logging.level.state.change.logger", "WARN"))
                .run())
                .hasStackTraceContaining(message)
                .hasStackTraceContaining(prefix + topic + "=3");
    }

    private static ConsumerRecord<String, byte[]> only(List<ConsumerRecord<String, byte[]>> seen, String topic) {
        List<ConsumerRecord<String, byte[]>> matching = seen.stream().filter(r -> r.topic().equals(topic)).toList();
        assertThat(matching).as(topic).hasSize(1);
        return matching.getFirst();
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
