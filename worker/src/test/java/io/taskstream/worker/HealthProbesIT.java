package io.taskstream.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import io.taskstream.embedded.EmbeddedRedis;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.Json;
import io.taskstream.worker.consumer.DispatchConsumer;
import io.taskstream.worker.heartbeat.LoopSupervisor;
import io.taskstream.worker.support.WorkerHarness;
import tools.jackson.databind.JsonNode;

/**
 * The worker's probes over HTTP, against the shared broker and a Redis of the test's own that it
 * really stops and starts again on the same port: readiness follows Redis and the poll loop, liveness
 * stays up through both. The readiness group shows its components here (in production it shows none),
 * so that the tests can tell which one is down.
 */
class HealthProbesIT {

    /** How long Lettuce may take to notice and to reconnect (its back-off grows to seconds). */
    static final Duration WITHIN = Duration.ofSeconds(60);

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(HealthProbesIT.class));
    final HttpClient http = HttpClient.newHttpClient();
    EmbeddedRedis redis = EmbeddedRedis.start();

    @AfterEach
    void close() {
        harness.close();
        http.close();
        redis.close();
    }

    ConfigurableApplicationContext startWorker(String workerId) {
        return harness.startWorker(workerId, WebApplicationType.SERVLET, Map.of(
                "TASKSTREAM_HTTP_PORT", "0",
                "TASKSTREAM_REDIS_URL", redis.url(),
                "management.endpoint.health.group.readiness.show-details", "always"));
    }

    HttpResponse<String> get(ConfigurableApplicationContext worker, String path) throws IOException,
            InterruptedException {
        URI uri = URI.create("http://localhost:" + worker.getEnvironment().getProperty("local.server.port") + path);
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    int readiness(ConfigurableApplicationContext worker) throws Exception {
        return get(worker, "/actuator/health/readiness").statusCode();
    }

    /** The readiness group's components and their status. */
    Map<String, String> readinessComponents(ConfigurableApplicationContext worker) throws Exception {
        Map<String, String> components = new TreeMap<>();
        JsonNode health = Json.mapper().readTree(get(worker, "/actuator/health/readiness").body());
        health.get("components").properties()
                .forEach(component -> components.put(component.getKey(), component.getValue().get("status").asString()));
        return components;
    }

    @Test
    void readinessGoesDownWhileRedisIsStoppedAndUpOnceItIsBackWhileLivenessStaysUp() throws Exception {
        ConfigurableApplicationContext worker = startWorker("it-health-1");
        await().atMost(WITHIN).until(() -> readiness(worker) == 200);
        assertThat(readinessComponents(worker)).isEqualTo(Map.of("readinessState", "UP", "kafka", "UP",
                "redis", "UP", "worker", "UP", "executionPool", "UP"));

        int redisPort = redis.port();
        redis.close();

        await().atMost(WITHIN).until(() -> readiness(worker) == 503);
        assertThat(readinessComponents(worker)).containsEntry("redis", "DOWN").containsEntry("kafka", "UP")
                .containsEntry("worker", "UP").containsEntry("executionPool", "UP");
        HttpResponse<String> live = get(worker, "/actuator/health/liveness");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        assertThat(live.body()).as("no details on the open endpoint").isEqualTo("{\"status\":\"UP\"}");

        redis = EmbeddedRedis.startOn(redisPort);

        await().atMost(WITHIN).until(() -> readiness(worker) == 200);
        assertThat(get(worker, "/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void readinessGoesDownWhileThePollLoopIsStoppedAndUpOnceItRunsAgain() throws Exception {
        ConfigurableApplicationContext worker = startWorker("it-health-2");
        await().atMost(WITHIN).until(() -> readiness(worker) == 200);
        // the supervisor would restart the stopped loop within a second
        worker.getBean(LoopSupervisor.class).stop();
        DispatchConsumer loop = worker.getBean(DispatchConsumer.class);

        loop.stop();

        assertThat(readiness(worker)).isEqualTo(503);
        assertThat(readinessComponents(worker)).containsEntry("worker", "DOWN").containsEntry("executionPool", "DOWN")
                .containsEntry("redis", "UP").containsEntry("kafka", "UP");
        assertThat(get(worker, "/actuator/health/liveness").statusCode()).isEqualTo(200);

        loop.start();

        await().atMost(WITHIN).until(() -> readiness(worker) == 200);
    }
}
