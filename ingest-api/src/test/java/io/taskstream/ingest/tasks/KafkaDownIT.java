package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import io.taskstream.ingest.IngestApiApplication;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import tools.jackson.databind.JsonNode;

/**
 * With no broker to talk to, a submission or a control request (cancel, re-prioritise, replay) fails
 * fast and honestly: 503, and nothing recorded. With the default submit timeout a submission — single
 * or batch — answers within 2 s; once the circuit breaker has opened, at once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "spring.kafka.admin.auto-create=false",
        "spring.kafka.admin.fail-fast=false",
        "taskstream.ingest.retry-after=PT3S"})
class KafkaDownIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        Map<String, String> properties = new java.util.HashMap<>(ItSupport.properties(KafkaDownIT.class));
        properties.put("spring.kafka.bootstrap-servers", "127.0.0.1:" + ItSupport.unusedPort());
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void submittingWhileKafkaIsDownIsA503WithRetryAfterWithinTwoSeconds() {
        for (int i = 0; i < 8; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = TestApi.onPort(port).submit("{\"type\": \"a\", \"payload\": {}}",
                    "Idempotency-Key", "down-" + UUID.randomUUID());
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(TestApi.json(response).get("code").asString()).isEqualTo("dependency_unavailable");
            assertThat(took).as("submission #%d", i).isLessThan(Duration.ofSeconds(2));
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE type = 'a'", Long.class))
                .as("nothing accepted").isZero();
    }

    @Test
    void aBatchWhileKafkaIsDownAnswersEveryTask503WithinTwoSeconds() {
        long start = System.nanoTime();
        HttpResponse<String> response = TestApi.onPort(port).authorized("POST", "/api/v1/tasks:batch", """
                {"tasks": [{"type": "b", "payload": {}}, {"type": "b", "payload": {}, "priority": "HIGH"},
                           {"type": "b", "payload": {}, "idempotencyKey": "down-%s"}, {"type": "B"}]}
                """.formatted(UUID.randomUUID()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode results = TestApi.json(response).get("results");
        assertThat(results.valueStream().map(r -> r.get("status").asInt())).containsExactly(503, 503, 503, 400);
        assertThat(results.valueStream().limit(3).map(r -> r.get("error").get("code").asString()))
                .containsOnly("dependency_unavailable");
        assertThat(took).isLessThan(Duration.ofSeconds(2));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE type = 'b'", Long.class))
                .as("nothing accepted").isZero();
    }

    @Test
    void controlRequestsWhileKafkaIsDownAreQuick503sWithRetryAfter() {
        UUID queued = UUID.randomUUID();
        UUID failed = UUID.randomUUID();
        jdbc.update("INSERT INTO tasks (id, tenant_id, type, status, version, created_at, updated_at) "
                + "VALUES (?, 'default', 'down.test', 'QUEUED', 1, now(), now())", queued);
        jdbc.update("INSERT INTO tasks (id, tenant_id, type, status, version, created_at, updated_at) "
                + "VALUES (?, 'default', 'down.test', 'FAILED', 3, now(), now())", failed);
        jdbc.update("INSERT INTO dead_letters (task_id, tenant_id, type, reason, dead_lettered_at) "
                + "VALUES (?, 'default', 'down.test', 'attempts_exhausted', now())", failed);
        TestApi api = TestApi.onPort(port);

        for (HttpResponse<String> response : List.of(
                api.authorized("DELETE", "/api/v1/tasks/" + queued, null),
                api.authorized("PATCH", "/api/v1/tasks/" + queued, "{\"priority\": \"HIGH\"}"),
                api.authorized("POST", "/api/v1/dlq/" + failed + ":replay", null),
                api.authorized("POST", "/api/v1/dlq:replay", "{}"))) {
            TestApi.assertProblem(response, 503, "dependency_unavailable");
            assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM dead_letters WHERE task_id = ? AND replayed_at IS NULL",
                Long.class, failed)).as("a replay Kafka did not take leaves the task in the queue").isEqualTo(1);
    }

    @Test
    void scheduleWritesWhileKafkaIsDownAre503sAndLeavePostgresAsItWas() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        UUID existing = UUID.randomUUID();
        jdbc.update("INSERT INTO schedules (id, tenant_id, name, cron, timezone, task, created_at, updated_at) "
                + "VALUES (?, 'default', ?, '0 2 * * *', 'UTC', '{\"type\": \"a\", \"payload\": {}}'::jsonb, now(), "
                + "now())", existing, "down-" + run);
        TestApi api = TestApi.onPort(port);
        String body = "{\"name\": \"down-new-" + run + "\", \"cron\": \"0 3 * * *\", "
                + "\"task\": {\"type\": \"a\", \"payload\": {}}}";

        for (HttpResponse<String> response : List.of(
                api.authorized("POST", "/api/v1/schedules", body),
                api.authorized("PUT", "/api/v1/schedules/" + existing, body),
                api.authorized("PATCH", "/api/v1/schedules/" + existing, "{\"enabled\": false}"),
                api.authorized("DELETE", "/api/v1/schedules/" + existing, null))) {
            TestApi.assertProblem(response, 503, "dependency_unavailable");
            assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM schedules WHERE name = ?", Long.class, "down-new-" + run))
                .as("the new schedule was rolled back").isZero();
        assertThat(jdbc.queryForMap("SELECT name, cron, enabled, version FROM schedules WHERE id = ?", existing))
                .as("the existing one is untouched").containsEntry("name", "down-" + run)
                .containsEntry("cron", "0 2 * * *").containsEntry("enabled", true).containsEntry("version", 0L);
    }

    @Test
    void readinessReportsTheOutage() {
        HttpResponse<String> readiness = TestApi.onPort(port).get("/actuator/health/readiness");

        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(TestApi.onPort(port).get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }
}
