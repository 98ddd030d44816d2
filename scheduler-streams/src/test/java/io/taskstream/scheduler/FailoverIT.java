package io.taskstream.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Future;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.Infrastructure;
import io.taskstream.embedded.InfrastructureExtension;
import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.config.StreamsSettings;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.topology.SchedulerTopology;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.tracing.Tracing;

/**
 * Scale-out and failover on a real broker: two scheduler instances share the partitions (one
 * standby replica each) and delayed tasks are submitted; instance a leaves a quarter of the way
 * (b takes its partitions over), then c joins with an empty state directory and b leaves, so the
 * rest runs on state c restored from the changelogs. Every task is dispatched exactly once, never
 * before its {@code runAt}. (In-process instances stop cleanly; the crash variant with
 * {@code kill -9} belongs to the multi-process system tests.)
 */
@ExtendWith(InfrastructureExtension.class)
class FailoverIT {

    private static final Logger log = LoggerFactory.getLogger(FailoverIT.class);

    static final Topics TOPICS = new Topics("failover.");
    static final int TASKS = 300;

    @TempDir
    Path stateDirs;

    String bootstrap;
    final SchemaValidator validator = SchemaValidator.load();

    @Test
    void delayedTasksFireExactlyOnceAndNeverEarlyWhileInstancesLeaveAndJoin(Infrastructure infrastructure)
            throws Exception {
        bootstrap = infrastructure.kafkaBootstrap();
        TestTopics.create(bootstrap, TOPICS, 4);
        KafkaStreams a = start("a");
        KafkaStreams b = start("b");
        await().atMost(Duration.ofSeconds(90)).until(() -> a.state() == KafkaStreams.State.RUNNING
                && b.state() == KafkaStreams.State.RUNNING);

        Map<UUID, Instant> runAt = new HashMap<>();
        Instant base = Instant.now().plusSeconds(3);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                UUID id = UUID.randomUUID();
                Instant due = base.plusMillis(i * 30L);
                runAt.put(id, due);
                sent.add(producer.send(new ProducerRecord<>(TOPICS.submit(Priority.NORMAL), id.toString(), """
                        {"id": "%s", "tenantId": "acme", "type": "log", "payload": {}, "runAt": "%s"}"""
                        .formatted(id, due).getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        }

        List<Received> received = new ArrayList<>();
        KafkaStreams c = null;
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(TOPICS.ready(Priority.NORMAL)));
            await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, received) >= TASKS / 4);
            a.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            log.info("instance a left after {} dispatches", received.size());

            await().atMost(Duration.ofSeconds(60)).until(() -> poll(consumer, received) >= TASKS / 2);
            KafkaStreams joining = start("c");
            c = joining;
            log.info("instance c (empty state dir) joins after {} dispatches", received.size());
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                poll(consumer, received);
                return joining.state() == KafkaStreams.State.RUNNING;
            });
            // from here on every task runs on c, whose state can only have come from the changelogs
            b.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            log.info("instance b left after {} dispatches", received.size());

            await().atMost(Duration.ofSeconds(120)).until(() -> poll(consumer, received) >= TASKS);
            // quiet period: nothing more may come (no duplicates)
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> poll(consumer, received) == TASKS);
        } finally {
            b.close(Duration.ofSeconds(30));
            if (c != null) {
                c.close(Duration.ofSeconds(30));
            }
        }

        assertThat(received).extracting(r -> r.dispatch().taskId()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(runAt.keySet());
        assertThat(received).allSatisfy(r -> {
            Instant due = runAt.get(r.dispatch().taskId());
            assertThat(r.dispatch().attempt()).isEqualTo(1);
            assertThat(r.dispatch().dispatchedAt()).as("never before runAt").isAfterOrEqualTo(due);
            assertThat(r.receivedAt()).isAfterOrEqualTo(due);
        });
        List<Long> lateness = received.stream()
                .map(r -> Duration.between(runAt.get(r.dispatch().taskId()), r.receivedAt()).toMillis())
                .sorted().toList();
        log.info("lateness (receive - runAt) over {} tasks: p50 {} ms, p95 {} ms, max {} ms", lateness.size(),
                lateness.get(lateness.size() / 2), lateness.get(lateness.size() * 95 / 100), lateness.getLast());
    }

    record Received(TaskDispatch dispatch, Instant receivedAt) {
    }

    private static int poll(KafkaConsumer<String, byte[]> consumer, List<Received> received) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(
                new Received(Json.mapper().readValue(r.value(), TaskDispatch.class), Instant.now())));
        return received.size();
    }

    private KafkaStreams start(String instance) throws Exception {
        SchedulerProperties properties = new SchedulerProperties("failover-it", null, null, null, null, null, null,
                null, null, Duration.ofSeconds(30), 1, null, null, null, null);
        Path stateDir = Files.createDirectories(stateDirs.resolve(instance));
        SchedulerMetrics metrics = new SchedulerMetrics(new SimpleMeterRegistry());
        var config = StreamsSettings.of(properties, stateDir, Map.of(
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                StreamsConfig.CLIENT_ID_CONFIG, "failover-it-" + instance), metrics);
        KafkaStreams streams = new KafkaStreams(
                SchedulerTopology.build(TOPICS, properties, metrics, validator, new Random(), Tracing.noop()), config);
        streams.start();
        return streams;
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "failover-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
