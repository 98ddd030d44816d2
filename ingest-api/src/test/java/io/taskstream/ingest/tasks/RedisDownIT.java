package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.TestKafka;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * With Redis unreachable, idempotency keys do not fail open: they are serialised on Postgres advisory
 * locks, so a key still makes one task, and tasks without a key do not need Redis at all.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "spring.data.redis.timeout=500ms",
        "spring.data.redis.connect-timeout=500ms"})
class RedisDownIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        Map<String, String> properties = new HashMap<>(ItSupport.properties(RedisDownIT.class));
        properties.put("spring.data.redis.url", "redis://127.0.0.1:" + ItSupport.unusedPort());
        // this class is about idempotency without Redis; the limiter would refuse every write (fail closed,
        // see limits.RateLimitRedisDownIT)
        properties.put("taskstream.ingest.rate-limit.enabled", "false");
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    private static TestKafka kafka;
    private static ExecutorService clients;

    @BeforeAll
    static void start() {
        kafka = new TestKafka(SharedInfrastructure.get().kafkaBootstrap());
        clients = Executors.newFixedThreadPool(20);
    }

    @AfterAll
    static void stop() {
        kafka.close();
        clients.shutdownNow();
    }

    @LocalServerPort
    int port;
    @Autowired
    Topics topics;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataSource dataSource;

    TestApi api;
    String key;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        key = "order-" + UUID.randomUUID();
    }

    private List<TaskSubmission> submittedWithKey(String prefix) {
        List<TaskSubmission> found = new ArrayList<>();
        for (Priority priority : Priority.values()) {
            kafka.records(topics.submit(priority)).stream()
                    .map(r -> Json.mapper().readValue(r.value(), TaskSubmission.class))
                    .filter(s -> s.idempotencyKey() != null && s.idempotencyKey().startsWith(prefix))
                    .forEach(found::add);
        }
        return found;
    }

    @Test
    void aKeyIsStillHonouredThroughPostgres() {
        String body = "{\"type\": \"redis.down\", \"payload\": {\"x\": 1}}";

        HttpResponse<String> first = api.submit(body, "Idempotency-Key", key);
        HttpResponse<String> again = api.submit(body, "Idempotency-Key", key);
        HttpResponse<String> reused = api.submit("{\"type\": \"redis.down\", \"payload\": {\"x\": 2}}",
                "Idempotency-Key", key);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(json(again).get("id").asString()).isEqualTo(json(first).get("id").asString());
        assertProblem(reused, 409, "idempotency_conflict");
        assertThat(submittedWithKey(key)).hasSize(1);
        assertThat(api.get("/actuator/prometheus").body()).containsPattern(
                "taskstream_ingest_idempotency_fallbacks_total(\\{[^}]*})? [1-9]");
    }

    @Test
    void twentyConcurrentIdenticalSubmissionsMakeOneTask() throws Exception {
        CountDownLatch ready = new CountDownLatch(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(clients.submit(() -> {
                ready.countDown();
                go.await();
                return api.submit("{\"type\": \"redis.down\", \"payload\": {}}", "Idempotency-Key", key);
            }));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> answer : answers) {
            responses.add(answer.get(60, TimeUnit.SECONDS));
        }

        Map<Integer, Long> statuses = responses.stream()
                .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
        assertThat(statuses).as(responses.stream().map(HttpResponse::body).distinct().toList().toString())
                .containsExactlyInAnyOrderEntriesOf(Map.of(202, 1L, 200, 19L));
        assertThat(responses.stream().map(r -> json(r).get("id").asString()).distinct()).hasSize(1);
        assertThat(submittedWithKey(key)).hasSize(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE idempotency_key = ?", Long.class, key))
                .isEqualTo(1);
    }

    @Test
    void aBatchWithKeysIsSerialisedToo() {
        String body = """
                {"tasks": [
                  {"type": "redis.down", "payload": {"n": 1}, "idempotencyKey": "%1$s-a"},
                  {"type": "redis.down", "payload": {"n": 2}, "idempotencyKey": "%1$s-b", "priority": "HIGH"},
                  {"type": "redis.down", "payload": {"n": 1}, "idempotencyKey": "%1$s-a"},
                  {"type": "redis.down", "payload": {"n": 3}}
                ]}
                """.formatted(key);

        JsonNode first = json(api.authorized("POST", "/api/v1/tasks:batch", body)).get("results");
        JsonNode again = json(api.authorized("POST", "/api/v1/tasks:batch", body)).get("results");

        assertThat(first.valueStream().map(r -> r.get("status").asInt())).containsExactly(202, 202, 200, 202);
        assertThat(again.valueStream().map(r -> r.get("status").asInt())).containsExactly(200, 200, 200, 202);
        for (int i = 0; i < 3; i++) {
            assertThat(again.get(i).get("task").get("id").asString())
                    .isEqualTo(first.get(i).get("task").get("id").asString());
        }
        assertThat(submittedWithKey(key)).hasSize(2);
    }

    @Test
    void aKeyLockedLongerThanTheWaitIsAConflictInProgress() throws Exception {
        try (Connection holder = dataSource.getConnection()) {
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_lock(?)")) {
                lock.setLong(1, TaskRepository.lockId("default", key));
                lock.execute();
            }

            HttpResponse<String> answer = api.submit("{\"type\": \"redis.down\", \"payload\": {}}",
                    "Idempotency-Key", key);

            JsonNode problem = assertProblem(answer, 409, "conflict");
            assertThat(problem.get("detail").asString()).contains("in progress");
            try (PreparedStatement unlock = holder.prepareStatement("SELECT pg_advisory_unlock_all()")) {
                unlock.execute();
            }
        }
        assertThat(submittedWithKey(key)).isEmpty();
        assertThat(api.submit("{\"type\": \"redis.down\", \"payload\": {}}", "Idempotency-Key", key).statusCode())
                .as("free again").isEqualTo(202);
    }
}
