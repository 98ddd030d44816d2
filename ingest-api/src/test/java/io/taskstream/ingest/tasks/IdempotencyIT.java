package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Primary;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.TestKafka;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * Idempotency keys against real Kafka, Postgres and Redis: races of concurrent requests, the Postgres
 * backstop when Redis forgot a key, a winner that gives its key back, a loser that waits for a winner.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME})
class IdempotencyIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(IdempotencyIT.class, registry);
    }

    /** Admission that refuses while {@link #REFUSING} is set: replaces the queue-depth one. */
    static final AtomicBoolean REFUSING = new AtomicBoolean();

    @TestConfiguration
    static class RefusingAdmission {
        @Bean
        @Primary
        Admission testAdmission() {
            return (tenantId, priority) -> {
                if (REFUSING.get()) {
                    throw new ApiException(ErrorCode.QUEUE_FULL, "full", List.of(), Duration.ofSeconds(2), null);
                }
            };
        }
    }

    private static TestKafka kafka;
    private static ExecutorService clients;

    @BeforeAll
    static void start() {
        kafka = new TestKafka(SharedInfrastructure.get().kafkaBootstrap());
        clients = Executors.newFixedThreadPool(50);
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
    StringRedisTemplate redis;
    @Autowired
    TaskRepository repository;

    TestApi api;
    String key;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        key = "order-" + UUID.randomUUID();
        REFUSING.set(false);
    }

    @AfterEach
    void forgetTheKey() {
        redis.delete(redisKey());
    }

    private String redisKey() {
        return IdempotencyKeys.redisKey("default", key);
    }

    /** The submissions on {@code submit.normal} that carry this test's key. */
    private List<TaskSubmission> submittedWithKey() {
        return kafka.records(topics.submit(Priority.NORMAL)).stream()
                .map(r -> Json.mapper().readValue(r.value(), TaskSubmission.class))
                .filter(s -> key.equals(s.idempotencyKey()))
                .toList();
    }

    private long rowsWithKey() {
        return jdbc.queryForObject("SELECT count(*) FROM tasks WHERE idempotency_key = ?", Long.class, key);
    }

    /** Sends {@code n} submissions at once (all threads released together); the answers in order. */
    private List<HttpResponse<String>> concurrently(int n, IntFunction<String> body) throws Exception {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String request = body.apply(i);
            answers.add(clients.submit(() -> {
                ready.countDown();
                go.await();
                return api.submit(request, "Idempotency-Key", key);
            }));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> answer : answers) {
            responses.add(answer.get(60, TimeUnit.SECONDS));
        }
        return responses;
    }

    @Test
    void fiftyConcurrentIdenticalSubmissionsMakeOneTask() throws Exception {
        List<HttpResponse<String>> responses = concurrently(50,
                i -> "{\"type\": \"idem.same\", \"payload\": {\"x\": 1}}");

        Map<Integer, Long> statuses = responses.stream()
                .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
        assertThat(statuses).as(responses.stream().map(HttpResponse::body).distinct().toList().toString())
                .containsExactlyInAnyOrderEntriesOf(Map.of(202, 1L, 200, 49L));
        assertThat(responses.stream().map(r -> json(r).get("id").asString()).distinct()).hasSize(1);
        String id = json(responses.getFirst()).get("id").asString();
        assertThat(submittedWithKey()).singleElement().satisfies(s -> assertThat(s.id().toString()).isEqualTo(id));
        assertThat(rowsWithKey()).isEqualTo(1);
        assertThat(IdempotencyKeys.Entry.decode(redis.opsForValue().get(redisKey())).state())
                .isEqualTo(IdempotencyKeys.State.ACCEPTED);
    }

    @Test
    void fiftyConcurrentSubmissionsWithOneKeyAndDifferentBodiesMakeOneTask() throws Exception {
        List<HttpResponse<String>> responses = concurrently(50,
                i -> "{\"type\": \"idem.different\", \"payload\": {\"n\": " + i + "}}");

        List<HttpResponse<String>> accepted = responses.stream().filter(r -> r.statusCode() == 202).toList();
        assertThat(accepted).hasSize(1);
        assertThat(responses.stream().filter(r -> r.statusCode() != 202)).hasSize(49)
                .allSatisfy(r -> assertProblem(r, 409, "idempotency_conflict"));
        String id = json(accepted.getFirst()).get("id").asString();
        assertThat(submittedWithKey()).singleElement().satisfies(s -> assertThat(s.id().toString()).isEqualTo(id));
        assertThat(rowsWithKey()).isEqualTo(1);
    }

    @Test
    void aKeyRedisForgotIsStillAnsweredFromPostgres() {
        String body = "{\"type\": \"idem.backstop\", \"payload\": {\"x\": 1}}";
        HttpResponse<String> first = api.submit(body, "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(202);
        redis.delete(redisKey());

        HttpResponse<String> retry = api.submit(body, "Idempotency-Key", key);

        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(json(retry).get("id").asString()).isEqualTo(json(first).get("id").asString());
        assertThat(IdempotencyKeys.Entry.decode(redis.opsForValue().get(redisKey())).taskId().toString())
                .as("the key is remembered in Redis again").isEqualTo(json(first).get("id").asString());
        redis.delete(redisKey());
        assertProblem(api.submit("{\"type\": \"idem.backstop\", \"payload\": {\"x\": 2}}", "Idempotency-Key", key),
                409, "idempotency_conflict");
        assertThat(submittedWithKey()).hasSize(1);
    }

    @Test
    void aWinnerThatCouldNotProduceGivesTheKeyBackForARetry() {
        String body = "{\"type\": \"idem.refused\", \"payload\": {}}";
        REFUSING.set(true);

        assertProblem(api.submit(body, "Idempotency-Key", key), 503, "queue_full");
        assertThat(redis.hasKey(redisKey())).as("released").isFalse();

        REFUSING.set(false);
        HttpResponse<String> retry = api.submit(body, "Idempotency-Key", key);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(202);
        assertThat(submittedWithKey()).hasSize(1);
    }

    @Test
    void aRequestWaitsForTheWinnerAndAnswersItsTaskEvenBeforeItsRowExists() throws Exception {
        String body = "{\"type\": \"idem.waiting\", \"payload\": {\"x\": 1}, \"idempotencyKey\": \"" + key + "\"}";
        UUID winner = UUID.randomUUID();
        Instant createdAt = Instant.parse("2026-11-28T10:00:00.000001Z");
        byte[] hash = TaskSubmitter.requestHash(new SubmissionReader(SchemaValidator.load(), 262_144)
                .read(body.getBytes(StandardCharsets.UTF_8), "default", winner, createdAt, null));
        IdempotencyKeys.Entry reserved = IdempotencyKeys.Entry.reserved(winner, createdAt, hash);
        redis.opsForValue().set(redisKey(), reserved.encode(), Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> api.submit(body));

        // the winner (played by the test) is accepted a moment later
        CompletableFuture.runAsync(() -> redis.opsForValue().set(redisKey(), reserved.accepted().encode(),
                Duration.ofHours(1)), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)).get();

        HttpResponse<String> answer = waiting.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode task = json(answer);
        assertThat(task.get("id").asString()).isEqualTo(winner.toString());
        assertThat(task.get("createdAt").asString()).isEqualTo(createdAt.toString());
        assertThat(task.get("status").asString()).isEqualTo("PENDING");
        HttpResponse<String> read = api.getAuthorized("/api/v1/tasks/" + winner);
        assertThat(read.statusCode()).as("no row yet, and still no 404").isEqualTo(200);
        assertThat(submittedWithKey()).as("the loser produced nothing").isEmpty();
    }

    @Test
    void aKeyTheWinnerReleasesIsWonByTheWaitingRequest() throws Exception {
        String body = "{\"type\": \"idem.released\", \"payload\": {}}";
        IdempotencyKeys.Entry other = IdempotencyKeys.Entry.reserved(UUID.randomUUID(), Instant.EPOCH, new byte[32]);
        redis.opsForValue().set(redisKey(), other.encode(), Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<String>> waiting =
                CompletableFuture.supplyAsync(() -> api.submit(body, "Idempotency-Key", key));

        CompletableFuture.runAsync(() -> redis.delete(redisKey()),
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)).get();

        HttpResponse<String> answer = waiting.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        assertThat(submittedWithKey()).hasSize(1);
    }

    @Test
    void pendingRowsAreInsertedInOneStatementAndFillTheHashOfARowTheProjectionWroteFirst() {
        SubmissionReader reader = new SubmissionReader(SchemaValidator.load(), 262_144);
        byte[] body = "{\"type\": \"idem.rows\", \"payload\": {}}".getBytes(StandardCharsets.UTF_8);
        Instant createdAt = Instant.parse("2026-11-28T10:00:00Z");
        TaskSubmission projected = reader.read(body, "default", UUID.randomUUID(), createdAt, key);
        TaskSubmission sameKey = projected.withId(UUID.randomUUID());
        TaskSubmission fresh = reader.read(body, "default", UUID.randomUUID(), createdAt, null);
        jdbc.update("INSERT INTO tasks (id, tenant_id, type, status, version, created_at, updated_at, idempotency_key) "
                + "VALUES (?, 'default', 'idem.rows', 'QUEUED', 2, now(), now(), ?)", projected.id(), key);
        byte[] hash = TaskSubmitter.requestHash(projected);

        java.util.Set<UUID> present = repository.insertPending(List.of(
                new TaskRepository.PendingRow(projected, hash, null),
                new TaskRepository.PendingRow(sameKey, hash, null),
                new TaskRepository.PendingRow(fresh, TaskSubmitter.requestHash(fresh), "trace")));

        assertThat(present).containsExactlyInAnyOrder(projected.id(), fresh.id());
        assertThat(jdbc.queryForObject("SELECT request_hash FROM tasks WHERE id = ?", byte[].class, projected.id()))
                .isEqualTo(hash);
        assertThat(jdbc.queryForObject("SELECT status FROM tasks WHERE id = ?", String.class, projected.id()))
                .as("the projection's row is not set back").isEqualTo("QUEUED");
        assertThat(jdbc.queryForObject("SELECT status || ' ' || trace_id FROM tasks WHERE id = ?", String.class,
                fresh.id())).isEqualTo("PENDING trace");
        assertThat(repository.findByIdempotencyKeys("default", List.of(key, "no-such-key"))).containsOnlyKeys(key);
        assertThat(repository.findAll("default", List.of(projected.id(), fresh.id(), sameKey.id())))
                .containsOnlyKeys(projected.id(), fresh.id());
    }

    @Test
    void aKeyHeldLongerThanTheWaitIsAConflictInProgress() {
        IdempotencyKeys.Entry stuck = IdempotencyKeys.Entry.reserved(UUID.randomUUID(), Instant.EPOCH, new byte[32]);
        redis.opsForValue().set(redisKey(), stuck.encode(), Duration.ofSeconds(30));

        HttpResponse<String> answer = api.submit("{\"type\": \"idem.stuck\", \"payload\": {}}", "Idempotency-Key", key);

        JsonNode problem = assertProblem(answer, 409, "conflict");
        assertThat(problem.get("detail").asString()).contains("in progress");
        assertThat(submittedWithKey()).isEmpty();
    }
}
