package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.WorkerHeartbeat;
import io.taskstream.worker.WorkerApplication;
import io.taskstream.worker.support.WorkerHarness;

/**
 * Heartbeats and the supervisor of a worker started the way the devstack starts it, against the
 * shared embedded Kafka broker and Redis. Each test has topics, a consumer group and a heartbeat key
 * of its own; the worker's clock is a {@link MutableClock}, and heartbeats after the first (taken at
 * start-up) are taken by the test, with {@link HeartbeatPublisher#beat()}.
 */
class HeartbeatIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(HeartbeatIT.class));
    final String key = harness.prefix + "workers";
    final MutableClock clock = new MutableClock(T0);
    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        harness.close();
    }

    /**
     * A worker as {@link WorkerHarness#startWorker} starts one, with this test's clock and heartbeat
     * key, a heartbeat interval long enough that only the test takes heartbeats after the first, and
     * {@code beans} registered before the context starts.
     */
    ConfigurableApplicationContext startWorker(String workerId, WebApplicationType web, Map<String, Object> extra,
                                               Map<String, Object> beans) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("TASKSTREAM_KAFKA_BOOTSTRAP", harness.bootstrap);
        properties.put("TASKSTREAM_REDIS_URL", harness.redisUrl);
        properties.put("TASKSTREAM_HTTP_PORT", "0");
        properties.put("taskstream.worker.worker-id", workerId);
        properties.put("taskstream.worker.sample-handlers", "true");
        properties.put("taskstream.topics.prefix", harness.prefix);
        properties.put("taskstream.topics.partitions", "2");
        properties.put("taskstream.worker.group-id", harness.group);
        properties.put("taskstream.worker.poll-timeout", "100ms");
        properties.put("taskstream.worker.heartbeat.key", key);
        properties.put("taskstream.worker.heartbeat.interval", "5m");
        properties.putAll(extra);
        ConfigurableApplicationContext worker = WorkerApplication.application()
                .web(web)
                .properties(properties)
                .initializers(context -> {
                    context.getBeanFactory().registerSingleton("clock", clock);
                    beans.forEach(context.getBeanFactory()::registerSingleton);
                })
                .run();
        closing.add(worker);
        return worker;
    }

    RedisCommands<String, String> redis() {
        RedisClient client = RedisClient.create(harness.redisUrl);
        StatefulRedisConnection<String, String> connection = client.connect();
        closing.add(client::shutdown);
        closing.add(connection);
        return connection.sync();
    }

    @Test
    void aRunningWorkerWritesItsHeartbeatToRedisAndRemovesItWhenItStops() throws Exception {
        RedisCommands<String, String> redis = redis();
        ConfigurableApplicationContext worker = startWorker("it-heartbeat-1", WebApplicationType.SERVLET,
                Map.of("taskstream.worker.slots", "7", "management.endpoint.health.show-details", "always"),
                Map.of());
        String hash = key + ":it-heartbeat-1";
        // the first heartbeat is taken as the worker starts
        await().atMost(WorkerHarness.WITHIN).until(() -> T0.toString().equals(redis.hget(hash, "lastHeartbeatAt")));

        TaskDispatch completing = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 4, 3);
        TaskDispatch failing = dispatch(UUID.randomUUID(), "fail", Map.of("retryable", false), 1, 4, 3);
        harness.publish(completing);
        harness.publish(failing);
        harness.awaitSeen(s -> s.hasResult(completing.taskId()) && s.hasResult(failing.taskId()));
        clock.advance(Duration.ofSeconds(10));
        worker.getBean(HeartbeatPublisher.class).beat();

        Map<String, String> heartbeat = redis.hgetall(hash);
        assertThat(heartbeat)
                .containsEntry("schema", "worker-heartbeat/v1")
                .containsEntry("workerId", "it-heartbeat-1")
                .containsEntry("groupId", harness.group)
                .containsEntry("version", "dev")
                .containsEntry("priorities", "CRITICAL,HIGH,NORMAL,LOW")
                .containsEntry("startedAt", T0.toString())
                .containsEntry("lastHeartbeatAt", T0.plusSeconds(10).toString())
                .containsEntry("interval", "PT5M")
                .containsEntry("slotsTotal", "7")
                .containsEntry("slotsBusy", "0")
                .containsEntry("consumer", "running")
                .containsEntry("completed", "1")
                .containsEntry("failed", "1")
                .containsEntry("timedOut", "0")
                .containsEntry("cancelled", "0")
                .containsEntry("stuck", "0")
                .containsEntry("restarts", "0")
                .hasSize(18);
        assertThat(heartbeat.get("host")).isEqualTo(WorkerIdentity.host(System.getenv("HOSTNAME")));
        assertThat(redis.zscore(key, "it-heartbeat-1")).isEqualTo((double) T0.plusSeconds(10).toEpochMilli());
        assertThat(redis.ttl(hash)).isBetween(3500L, 3600L);
        assertThat(redis.ttl(key)).isBetween(3500L, 3600L);

        String health = get("http://localhost:" + worker.getEnvironment().getProperty("local.server.port")
                + "/actuator/health/worker");
        assertThat(health).contains("\"status\":\"UP\"", "\"consumer\":\"running\"", "\"total\":7",
                "\"lastWrittenAt\":\"" + T0.plusSeconds(10) + "\"");

        worker.close();

        assertThat(redis.exists(hash)).isZero();
        assertThat(redis.zscore(key, "it-heartbeat-1")).isNull();
    }

    @Test
    void whileRedisIsDownTheWorkerKeepsRunningAndCountsTheHeartbeatsItCouldNotWrite() throws Exception {
        ConfigurableApplicationContext worker = startWorker("it-heartbeat-2", WebApplicationType.NONE,
                Map.of("TASKSTREAM_REDIS_URL", "redis://127.0.0.1:" + freePort()), Map.of());
        MeterRegistry meters = worker.getBean(MeterRegistry.class);
        await().atMost(WorkerHarness.WITHIN)
                .until(() -> meters.get(HeartbeatPublisher.FAILURES_METRIC).counter().count() >= 1);

        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "log", Map.of("n", 1), 1, 4, 3);
        harness.publish(dispatch);
        harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));
        clock.advance(Duration.ofSeconds(10));
        WorkerHeartbeat notWritten = worker.getBean(HeartbeatPublisher.class).beat();

        assertThat(notWritten.completed()).isEqualTo(1);
        assertThat(meters.get(HeartbeatPublisher.FAILURES_METRIC).counter().count()).isGreaterThanOrEqualTo(2);
        Health health = worker.getBean(WorkerHealthIndicator.class).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).extractingByKey("heartbeat").asString().contains("failing=true");

        worker.close(); // the heartbeat cannot be removed either: counted, and the worker still stops
        assertThat(worker.isActive()).isFalse();
    }

    @Test
    void theWorkersSupervisorRestartsASupervisedLoopWhoseThreadDied() throws Exception {
        String topic = harness.prefix + "supervised";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        KafkaPollLoop loop = new KafkaPollLoop(harness.bootstrap, topic);
        closing.add(loop);
        loop.start();
        ConfigurableApplicationContext worker = startWorker("it-heartbeat-3", WebApplicationType.NONE,
                Map.of("taskstream.worker.heartbeat.check-interval", "50ms"), Map.of("testPollLoop", loop));
        LoopSupervisor supervisor = worker.getBean(LoopSupervisor.class);
        await().atMost(WorkerHarness.WITHIN)
                .until(() -> supervisor.status().getFirst().lastProgressAt() != null); // seen alive

        loop.die();

        await().atMost(WorkerHarness.WITHIN).until(() -> loop.restarts.get() == 1 && loop.isAlive());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap), new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "after")).get();
        }
        await().atMost(WorkerHarness.WITHIN).until(() -> loop.hasRead(2, "after"));
        assertThat(worker.getBean(HeartbeatPublisher.class).beat().restarts()).isEqualTo(1);
        assertThat(worker.getBean(MeterRegistry.class).get(LoopSupervisor.RESTARTS_METRIC)
                .tag("loop", "test-poll-loop").counter().count()).isEqualTo(1);
    }

    static String get(String url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
