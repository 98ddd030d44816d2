package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.InfrastructureExtension;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

/**
 * The schedules scenario against a real Kafka broker, with a stand-in for the scheduler (which this
 * module does not depend on): it reads the definitions the scenario writes and answers each with the
 * fires, queue events and completions of the next three fire times at once — timestamped as a
 * scheduler 50 ms late would have them — plus one duplicate fire, so the run completes in seconds
 * rather than minutes.
 */
@ExtendWith(InfrastructureExtension.class)
class ScheduleScenarioIT {

    static final int SCHEDULES = 5;

    @Test
    void measuresTheFiresOfItsSchedulesCountsADuplicateAndDeletesTheSchedulesAfterwards(Infrastructure infrastructure)
            throws Exception {
        Topics topics = new Topics("bench-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infrastructure.kafkaBootstrap()))) {
            admin.createTopics(topics.newTopics(2, Optional.empty())).all().get();
        }
        FakeScheduler scheduler = new FakeScheduler(infrastructure.kafkaBootstrap(), topics);
        Thread thread = Thread.ofPlatform().name("fake-scheduler").start(scheduler);
        ScheduleScenario scenario = new ScheduleScenario(infrastructure.kafkaBootstrap(), topics, SCHEDULES, 1,
                ScheduleScenario.DEFAULT_CRON, "log", ScheduleScenario.DEFAULT_PAYLOAD, Duration.ofMinutes(3),
                Clock.systemUTC());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FireLedger.Summary summary;
        try {
            summary = scenario.run(new PrintStream(out, true, StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.tombstones.size() == SCHEDULES);
        } finally {
            scheduler.running = false;
            thread.join(10_000);
        }

        FireLedger.Figures measured = summary.overall();
        assertThat(measured.fireTimes()).isEqualTo(1);
        assertThat(measured.expected()).isEqualTo(SCHEDULES);
        assertThat(measured.fired()).isEqualTo(SCHEDULES);
        assertThat(measured.sameTaskAgain()).isEqualTo(1);
        assertThat(measured.secondTask()).isZero();
        assertThat(measured.queued()).isEqualTo(SCHEDULES);
        assertThat(measured.completed()).isEqualTo(SCHEDULES);
        assertThat(measured.fireLateness().getMaxValue()).isBetween(49_900L, 50_100L);
        assertThat(measured.queueLateness().getMaxValue()).isBetween(79_900L, 80_100L);
        assertThat(measured.completionLateness().getMaxValue()).isBetween(119_900L, 120_100L);
        assertThat(summary.warmUp().fired()).isEqualTo(SCHEDULES);
        assertThat(summary.outside()).isEqualTo(SCHEDULES);
        assertThat(summary.deadLetters()).isZero();
        assertThat(scheduler.definitions).hasSize(SCHEDULES).allSatisfy(d -> {
            assertThat(d.tenantId()).startsWith("bench-");
            assertThat(d.task().type()).isEqualTo("log");
        });
        assertThat(scheduler.tombstones).containsExactlyInAnyOrderElementsOf(
                scheduler.definitions.stream().map(ScheduleDefinition::key).toList());
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("wrote 5 definitions to " + topics.schedules())
                .contains("fired 5 of 5, duplicates 1, queued 5, completed 5")
                .contains("deleted the 5 schedules (tombstones on " + topics.schedules() + ")")
                .containsPattern("host: \\d+ CPUs");
    }

    /**
     * Stands in for the scheduler: once it has read every definition, fires each for the three fire
     * times after its {@code updatedAt}; then collects the tombstones.
     */
    static final class FakeScheduler implements Runnable {

        final List<ScheduleDefinition> definitions = new ArrayList<>();
        final Set<String> tombstones = ConcurrentHashMap.newKeySet();
        volatile boolean running = true;
        private final String bootstrap;
        private final Topics topics;

        FakeScheduler(String bootstrap, Topics topics) {
            this.bootstrap = bootstrap;
            this.topics = topics;
        }

        @Override
        public void run() {
            Properties consumerConfig = new Properties();
            consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            Properties producerConfig = new Properties();
            producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                    new ByteArrayDeserializer());
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                         new ByteArraySerializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topics.schedules()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                boolean fired = false;
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        if (record.value() == null) {
                            tombstones.add(record.key());
                        } else {
                            definitions.add(Json.mapper().readValue(record.value(), ScheduleDefinition.class));
                        }
                    }
                    if (!fired && definitions.size() == SCHEDULES) {
                        definitions.forEach(d -> fire(producer, d));
                        producer.flush();
                        fired = true;
                    }
                }
            }
        }

        private void fire(KafkaProducer<String, byte[]> producer, ScheduleDefinition definition) {
            Instant fireTime = definition.updatedAt().truncatedTo(ChronoUnit.MINUTES);
            for (int i = 0; i < 3; i++) {
                fireTime = fireTime.plus(1, ChronoUnit.MINUTES);
                UUID task = UUID.randomUUID();
                TaskSubmission submission = new TaskSubmission(task, definition.tenantId(), definition.task().type(),
                        definition.task().payload(), Priority.NORMAL, fireTime, null, null, null, null, null, null,
                        null, false, definition.scheduleId(), fireTime.plusMillis(50));
                send(producer, topics.submit(Priority.NORMAL), task, fireTime.plusMillis(50),
                        Json.mapper().writeValueAsBytes(submission));
                if (i == 1 && definition == definitions.getFirst()) {
                    send(producer, topics.submit(Priority.NORMAL), task, fireTime.plusMillis(60),
                            Json.mapper().writeValueAsBytes(submission));
                }
                send(producer, topics.events(), task, fireTime.plusMillis(80), Json.mapper().writeValueAsBytes(
                        TaskEvent.statusChange(task, definition.tenantId(), 1, TaskStatus.QUEUED, fireTime, 0)));
                send(producer, topics.events(), task, fireTime.plusMillis(120), Json.mapper().writeValueAsBytes(
                        TaskEvent.statusChange(task, definition.tenantId(), 3, TaskStatus.COMPLETED, fireTime, 0)));
            }
            TaskSubmission stranger = new TaskSubmission(UUID.randomUUID(), "someone-else", "log",
                    definition.task().payload(), Priority.NORMAL, fireTime, null, null, null, null, null, null, null,
                    false, definition.scheduleId(), fireTime);
            send(producer, topics.submit(Priority.NORMAL), stranger.id(), fireTime,
                    Json.mapper().writeValueAsBytes(stranger));
        }

        private static void send(KafkaProducer<String, byte[]> producer, String topic, UUID key, Instant timestamp,
                                 byte[] value) {
            producer.send(new ProducerRecord<>(topic, null, timestamp.toEpochMilli(), key.toString(), value));
        }
    }
}
