package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import io.taskstream.ingest.IngestApiApplication;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/** The REST API against real Kafka and Postgres: submitting, reading, every error answer, auth. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=" + IngestApiApplication.CONFIG_NAME, "taskstream.ingest.max-payload-bytes=2048"})
class TaskApiIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(TaskApiIT.class, registry);
    }

    @LocalServerPort
    int port;
    @Autowired
    Topics topics;
    @Autowired
    JdbcTemplate jdbc;
    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("type").asString()).isEqualTo("https://taskstream.io/problems/" + code);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.has("detail")).isTrue();
    }

    @Test
    void acceptedTaskIsOnItsSubmitTopicKeyedByIdWithItsSchemaHeader() {
        HttpResponse<String> response = api.submit("""
                {"type": "email.send", "payload": {"to": "a@example.com"}, "labels": {"team": "billing"}}
                """, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode task = json(response);
        String id = task.get("id").asString();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/tasks/" + id);
        assertThat(task.get("status").asString()).isEqualTo("PENDING");
        assertThat(task.get("tenantId").asString()).isEqualTo("default");
        assertThat(task.get("priority").asString()).isEqualTo("NORMAL");
        assertThat(task.get("maxAttempts").asInt()).isEqualTo(4);
        assertThat(task.get("traceId").asString()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(task.has("payload")).isFalse();

        ConsumerRecord<String, byte[]> record = findRecord(topics.submit(io.taskstream.schemas.Priority.NORMAL), id);
        assertThat(new String(record.headers().lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                .isEqualTo("task-submission/v1");
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .as("the caller's trace, with the API's request span as the parent")
                .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01")
                .isNotEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        TaskSubmission submitted = Json.mapper().readValue(record.value(), TaskSubmission.class);
        assertThat(submitted.id().toString()).isEqualTo(id);
        assertThat(submitted.tenantId()).isEqualTo("default");
        assertThat(submitted.labels()).isEqualTo(Map.of("team", "billing"));
        assertThat(submitted.createdAt()).isEqualTo(Instant.parse(task.get("createdAt").asString()));
    }

    @Test
    void aPartialBackoffIsAcceptedAndPublishedWithOnlyItsGivenFields() {
        HttpResponse<String> response = api.submit("""
                {"type": "email.send", "payload": {}, "backoff": {"initial": "PT2S"}}
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        ConsumerRecord<String, byte[]> record = findRecord(topics.submit(io.taskstream.schemas.Priority.NORMAL),
                json(response).get("id").asString());
        JsonNode backoff = Json.mapper().readTree(record.value()).get("backoff");
        // the absent fields are the scheduler's configured default, filled in where the wait is computed
        assertThat(backoff.propertyNames()).containsExactly("initial");
        assertThat(backoff.get("initial").asString()).isEqualTo("PT2S");
    }

    @Test
    void priorityChoosesTheTopic() {
        HttpResponse<String> response = api.submit("{\"type\": \"a\", \"payload\": {}, \"priority\": \"CRITICAL\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        findRecord(topics.submit(io.taskstream.schemas.Priority.CRITICAL), json(response).get("id").asString());
    }

    @Test
    void aGetRightAfterTheAcceptanceNeverMisses() {
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> accepted = api.submit("{\"type\": \"ryw.check\", \"payload\": {\"i\": " + i + "}}");
            assertThat(accepted.statusCode()).isEqualTo(202);

            HttpResponse<String> read = api.getAuthorized(accepted.headers().firstValue("Location").orElseThrow());

            assertThat(read.statusCode()).as("GET #%d: %s", i, read.body()).isEqualTo(200);
            assertThat(json(read).get("id").asString()).isEqualTo(json(accepted).get("id").asString());
        }
    }

    @Test
    void theViewHasEveryFieldAndThePayloadOnlyOnRequest() {
        HttpResponse<String> accepted = api.submit("""
                {"type": "report.generate", "payload": {"ms": 5}, "priority": "LOW", "delay": "PT1H",
                 "maxAttempts": 2, "orderingKey": "k1", "labels": {"a": "b"}}
                """);
        String location = accepted.headers().firstValue("Location").orElseThrow();

        JsonNode view = json(api.getAuthorized(location));
        JsonNode withPayload = json(api.getAuthorized(location + "?include=payload"));

        assertThat(view.propertyNames()).containsExactlyInAnyOrder("id", "tenantId", "type", "priority", "status",
                "attempts", "maxAttempts", "runAt", "createdAt", "updatedAt", "startedAt", "finishedAt", "result",
                "lastError", "labels", "orderingKey", "scheduleId", "traceId", "progress");
        assertThat(view.get("progress").isNull()).as("nothing runs yet, so no progress").isTrue();
        assertThat(view.get("type").asString()).isEqualTo("report.generate");
        assertThat(view.get("priority").asString()).isEqualTo("LOW");
        assertThat(view.get("maxAttempts").asInt()).isEqualTo(2);
        assertThat(view.get("orderingKey").asString()).isEqualTo("k1");
        assertThat(view.get("labels").get("a").asString()).isEqualTo("b");
        assertThat(Instant.parse(view.get("runAt").asString()))
                .isEqualTo(Instant.parse(view.get("createdAt").asString()).plus(Duration.ofHours(1)));
        assertThat(withPayload.get("payload").get("ms").asInt()).isEqualTo(5);
    }

    @Test
    void unknownTasksAndOtherTenantsTasksAreNotFound() {
        UUID foreign = UUID.randomUUID();
        jdbc.update("INSERT INTO tasks (id, tenant_id, type, status, version, created_at, updated_at) "
                + "VALUES (?, 'other', 'a', 'QUEUED', 1, now(), now())", foreign);

        assertProblem(api.getAuthorized("/api/v1/tasks/" + foreign), 404, "not_found");
        assertProblem(api.getAuthorized("/api/v1/tasks/" + UUID.randomUUID()), 404, "not_found");
        assertProblem(api.getAuthorized("/api/v1/tasks/not-a-uuid"), 404, "not_found");
    }

    @Test
    void unknownIncludeIsAValidationError() {
        String location = api.submit("{\"type\": \"a\", \"payload\": {}}").headers().firstValue("Location")
                .orElseThrow();

        HttpResponse<String> response = api.getAuthorized(location + "?include=secrets");

        assertProblem(response, 400, "validation_failed");
        assertThat(json(response).get("errors").get(0).get("field").asString()).isEqualTo("include");
    }

    @Test
    void invalidRequestsListTheirErrors() {
        HttpResponse<String> response = api.submit("{\"type\": \"Not Valid\", \"payload\": {}, \"maxAttempts\": 99, "
                + "\"colour\": \"red\"}");

        assertProblem(response, 400, "validation_failed");
        assertThat(json(response).get("errors").valueStream().map(e -> e.get("field").asString()))
                .containsExactlyInAnyOrder("type", "maxAttempts", "colour");
        assertThat(json(response).get("errors").get(0).has("message")).isTrue();
    }

    @Test
    void malformedJsonIsMalformedRequest() {
        assertProblem(api.submit("{\"type\": "), 400, "malformed_request");
    }

    @Test
    void anOversizedPayloadIsTooLarge() {
        assertProblem(api.submit("{\"type\": \"a\", \"payload\": {\"blob\": \"" + "x".repeat(3000) + "\"}}"), 413,
                "payload_too_large");
    }

    @Test
    void anOversizedBodyIsTooLargeBeforeItIsRead() {
        String huge = "{\"type\": \"a\", \"payload\": {}, \"labels\": {}}" + " ".repeat(200_000);

        assertProblem(api.submit(huge), 413, "payload_too_large");
    }

    @Test
    void idempotentRetriesAnswerTheOriginalAndReuseIsAConflict() {
        // a key of this run's own: Redis (the machine's, in CI) outlives the run and remembers keys for a day
        String key = "order-" + UUID.randomUUID();
        String body = "{\"type\": \"a\", \"payload\": {\"n\": 1}}";
        HttpResponse<String> first = api.submit(body, "Idempotency-Key", key);
        HttpResponse<String> again = api.submit(body, "Idempotency-Key", key);
        HttpResponse<String> reused = api.submit("{\"type\": \"a\", \"payload\": {\"n\": 2}}",
                "Idempotency-Key", key);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("id").asString()).isEqualTo(json(first).get("id").asString());
        assertProblem(reused, 409, "idempotency_conflict");
    }

    @Test
    void wrongContentTypeIsUnsupported() {
        assertProblem(api.post("/api/v1/tasks", "type=a", "Content-Type", "text/plain",
                "Authorization", "Bearer " + ItSupport.ADMIN_KEY), 415, "unsupported_media_type");
    }

    @Test
    void wrongMethodIsNotAllowed() {
        HttpResponse<String> response = api.send("PUT", "/api/v1/tasks", "{}", "Content-Type", "application/json",
                "Authorization", "Bearer " + ItSupport.ADMIN_KEY);

        assertProblem(response, 405, "method_not_allowed");
        assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(allow -> assertThat(allow).contains("POST"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/nothing-here", "/nothing-here", "/actuator/env"})
    void unknownPathsAreNotFoundProblems(String path) {
        assertProblem(api.getAuthorized(path), 404, "not_found");
    }

    @Test
    void withoutAKeyEveryApiPathIsUnauthenticated() {
        for (String path : List.of("/api/v1/tasks/" + UUID.randomUUID(), "/api/v1/nothing-here", "/api/v1")) {
            HttpResponse<String> response = api.get(path);
            assertProblem(response, 401, "unauthenticated");
            assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as("security headers on a 401")
                    .contains("nosniff");
            assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        }
        assertThat(api.getAuthorized("/api/v1/tasks").headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'none'; frame-ancestors 'none'");
        assertProblem(api.post("/api/v1/tasks", "{\"type\": \"a\", \"payload\": {}}", "Content-Type",
                "application/json"), 401, "unauthenticated");
    }

    @Test
    void aWrongKeyIsUnauthenticatedAndTheApiKeyHeaderWorks() {
        String path = "/api/v1/tasks/" + UUID.randomUUID();

        assertProblem(api.get(path, "Authorization", "Bearer ts_it_wrong"), 401, "unauthenticated");
        assertProblem(api.get(path, "X-API-Key", "ts_it_wrong"), 401, "unauthenticated");
        assertProblem(api.get(path, "X-API-Key", ItSupport.ADMIN_KEY), 404, "not_found");
    }

    @Test
    void healthAndMetricsAreOpen() {
        assertThat(api.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        HttpResponse<String> readiness = api.get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        HttpResponse<String> metrics = api.get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("taskstream_ingest_ryw_insert_failures_total",
                "taskstream_projection_events_total");
    }

    private ConsumerRecord<String, byte[]> findRecord(String topic, String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map((PartitionInfo p) -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            ConsumerRecord<String, byte[]>[] found = new ConsumerRecord[1];
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found[0] = r;
                    }
                }
                return found[0] != null;
            });
            return found[0];
        }
    }
}
