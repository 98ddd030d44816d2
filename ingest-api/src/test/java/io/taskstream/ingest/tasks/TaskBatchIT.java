package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

/** {@code POST /tasks:batch} against real Kafka, Postgres and Redis: results, validation, keys. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "taskstream.ingest.max-payload-bytes=2048",
        "taskstream.ingest.max-batch-size=5",
        "taskstream.ingest.max-batch-body-bytes=65536"})
class TaskBatchIT {

    private static final String BATCH = "/api/v1/tasks:batch";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(TaskBatchIT.class, registry);
    }

    private static TestKafka kafka;

    @BeforeAll
    static void kafka() {
        kafka = new TestKafka(SharedInfrastructure.get().kafkaBootstrap());
    }

    @AfterAll
    static void closeKafka() {
        kafka.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    Topics topics;
    @Autowired
    JdbcTemplate jdbc;

    TestApi api;
    /** A task type of this test alone, so that its records and rows can be told apart. */
    String type;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        type = "batch." + UUID.randomUUID().toString().substring(0, 8);
    }

    private HttpResponse<String> batch(String body, String... headers) {
        return api.authorized("POST", BATCH, body, headers);
    }

    /** Every submission of this test's type on every submit topic. */
    private List<TaskSubmission> submitted() {
        List<TaskSubmission> found = new ArrayList<>();
        for (Priority priority : Priority.values()) {
            for (ConsumerRecord<String, byte[]> record : kafka.records(topics.submit(priority))) {
                TaskSubmission s = Json.mapper().readValue(record.value(), TaskSubmission.class);
                if (s.type().startsWith(type)) {
                    assertThat(record.key()).isEqualTo(s.id().toString());
                    found.add(s);
                }
            }
        }
        return found;
    }

    private long rows() {
        return jdbc.queryForObject("SELECT count(*) FROM tasks WHERE type LIKE ?", Long.class, type + "%");
    }

    @Test
    void everyTaskIsAnsweredInOrderAndOnlyTheGoodOnesAreAccepted() {
        String key = "order-" + UUID.randomUUID();
        HttpResponse<String> response = batch("""
                {"tasks": [
                  {"type": "%1$s", "payload": {"n": 0}},
                  {"type": "Not Valid", "payload": {}, "colour": "red"},
                  "not a task",
                  {"type": "%1$s.big", "payload": {"blob": "%2$s"}},
                  {"type": "%1$s", "payload": {"n": 4}, "priority": "HIGH", "idempotencyKey": "%3$s"}
                ]}
                """.formatted(type, "x".repeat(3000), key),
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        JsonNode results = json(response).get("results");
        assertThat(results.valueStream().map(r -> r.get("index").asInt())).containsExactly(0, 1, 2, 3, 4);
        assertThat(results.valueStream().map(r -> r.get("status").asInt())).containsExactly(202, 400, 400, 413, 202);

        JsonNode invalid = results.get(1).get("error");
        assertThat(invalid.get("code").asString()).isEqualTo("validation_failed");
        assertThat(invalid.get("status").asInt()).isEqualTo(400);
        assertThat(invalid.get("type").asString()).isEqualTo("https://taskstream.io/problems/validation_failed");
        assertThat(invalid.get("title").asString()).isNotBlank();
        assertThat(invalid.get("errors").valueStream().map(e -> e.get("field").asString()))
                .containsExactlyInAnyOrder("type", "colour");
        assertThat(results.get(1).has("task")).isFalse();
        assertThat(results.get(2).get("error").get("code").asString()).isEqualTo("validation_failed");
        assertThat(results.get(3).get("error").get("code").asString()).isEqualTo("payload_too_large");

        JsonNode first = results.get(0).get("task");
        JsonNode last = results.get(4).get("task");
        assertThat(results.get(0).has("error")).isFalse();
        assertThat(first.get("status").asString()).isEqualTo("PENDING");
        assertThat(first.get("traceId").asString()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(last.get("priority").asString()).isEqualTo("HIGH");

        assertThat(submitted()).extracting(s -> s.id().toString())
                .containsExactlyInAnyOrder(first.get("id").asString(), last.get("id").asString());
        assertThat(kafka.records(topics.submit(Priority.HIGH)).stream()
                .filter(r -> r.key().equals(last.get("id").asString()))
                .map(r -> new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)))
                .singleElement().asString().as("the caller's trace, the API's request span as the parent")
                .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01");
        assertThat(rows()).as("the good ones have their rows, the bad ones none").isEqualTo(2);
        for (JsonNode task : List.of(first, last)) {
            HttpResponse<String> read = api.getAuthorized("/api/v1/tasks/" + task.get("id").asString());
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        }
        assertThat(jdbc.queryForObject("SELECT idempotency_key FROM tasks WHERE id = ?::uuid", String.class,
                last.get("id").asString())).isEqualTo(key);
    }

    @Test
    void aSecondTaskWithTheSameKeyAnswersLikeARetryOfTheFirst() {
        String key = "k-" + UUID.randomUUID();
        HttpResponse<String> response = batch("""
                {"tasks": [
                  {"type": "%1$s", "payload": {"n": 1}, "idempotencyKey": "%2$s"},
                  {"payload": {"n": 1}, "type": "%1$s", "idempotencyKey": "%2$s"},
                  {"type": "%1$s", "payload": {"n": 2}, "idempotencyKey": "%2$s"},
                  {"type": "%1$s", "payload": {"n": 3}}
                ]}
                """.formatted(type, key));

        JsonNode results = json(response).get("results");
        assertThat(results.valueStream().map(r -> r.get("status").asInt())).containsExactly(202, 200, 409, 202);
        String id = results.get(0).get("task").get("id").asString();
        assertThat(results.get(1).get("task").get("id").asString()).isEqualTo(id);
        assertThat(results.get(2).get("error").get("code").asString()).isEqualTo("idempotency_conflict");
        assertThat(results.get(2).get("error").get("detail").asString()).contains(id);
        assertThat(submitted()).hasSize(2);
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void aBatchSentAgainAnswersItsTasksAgainAndProducesNothingNew() {
        String body = """
                {"tasks": [
                  {"type": "%1$s", "payload": {"n": 1}, "idempotencyKey": "a-%2$s"},
                  {"type": "%1$s", "payload": {"n": 2}, "idempotencyKey": "b-%2$s", "priority": "LOW"}
                ]}
                """.formatted(type, UUID.randomUUID());
        JsonNode first = json(batch(body)).get("results");

        JsonNode again = json(batch(body)).get("results");

        assertThat(again.valueStream().map(r -> r.get("status").asInt())).containsExactly(200, 200);
        for (int i = 0; i < 2; i++) {
            assertThat(again.get(i).get("task").get("id").asString())
                    .isEqualTo(first.get(i).get("task").get("id").asString());
        }
        assertThat(submitted()).hasSize(2);
    }

    @Test
    void aTaskWhoseRowCannotBeWrittenIsStillAnsweredRightAfterItsAcceptance() {
        String function = "reject_" + type.replace('.', '_');
        jdbc.execute("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "RAISE EXCEPTION 'postgres hiccup'; END $$");
        jdbc.execute("CREATE TRIGGER " + function + " BEFORE INSERT ON tasks FOR EACH ROW WHEN (NEW.type = '"
                + type + "') EXECUTE FUNCTION " + function + "()");
        try {
            HttpResponse<String> single = api.submit("{\"type\": \"" + type + "\", \"payload\": {\"n\": 1}}");
            JsonNode results = json(batch("{\"tasks\": [{\"type\": \"" + type + "\", \"payload\": {\"n\": 2}}]}"))
                    .get("results");

            assertThat(single.statusCode()).as("accepted is accepted").isEqualTo(202);
            assertThat(results.get(0).get("status").asInt()).isEqualTo(202);
            assertThat(rows()).isZero();
            for (String id : List.of(json(single).get("id").asString(),
                    results.get(0).get("task").get("id").asString())) {
                HttpResponse<String> read = api.getAuthorized("/api/v1/tasks/" + id + "?include=payload");
                assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
                assertThat(json(read).get("status").asString()).isEqualTo("PENDING");
                assertThat(json(read).get("payload").has("n")).isTrue();
                assertThat(api.getAuthorized("/api/v1/tasks/" + id + "/executions").statusCode()).isEqualTo(200);
            }
            assertThat(api.get("/actuator/prometheus").body()).containsPattern(
                    "taskstream_ingest_ryw_cached(\\{[^}]*})? [1-9]");
        } finally {
            jdbc.execute("DROP TRIGGER " + function + " ON tasks");
            jdbc.execute("DROP FUNCTION " + function + "()");
        }
    }

    @Test
    void theHighestNumberOfTasksIsAccepted() {
        StringBuilder tasks = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            tasks.append(i == 0 ? "" : ",").append("{\"type\": \"").append(type).append("\", \"payload\": {}}");
        }

        JsonNode results = json(batch("{\"tasks\": [" + tasks + "]}")).get("results");

        assertThat(results.valueStream().map(r -> r.get("status").asInt())).containsOnly(202).hasSize(5);
        assertThat(rows()).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"tasks": [{"type": "a", "payload": {}}], "priority": "HIGH"} | priority
            {"tasks": {"type": "a", "payload": {}}}                        | tasks
            {"tasks": []}                                                   | tasks
            {}                                                              | tasks
            {"tasks": [{}, {}, {}, {}, {}, {}]}                             | tasks
            [{"type": "a", "payload": {}}]                                  | ''
            """)
    void aBadBatchIsRefusedAsAWhole(String body, String field) {
        HttpResponse<String> response = batch(body);

        JsonNode problem = assertProblem(response, 400, "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString())).contains(field);
    }

    @Test
    void anIdempotencyKeyHeaderOnABatchIsRefused() {
        HttpResponse<String> response = batch("{\"tasks\": [{\"type\": \"" + type + "\", \"payload\": {}}]}",
                "Idempotency-Key", "k-" + UUID.randomUUID());

        JsonNode problem = assertProblem(response, 400, "validation_failed");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("Idempotency-Key");
        assertThat(problem.get("errors").get(0).get("message").asString()).contains("idempotencyKey");
        assertThat(rows()).isZero();
    }

    @Test
    void malformedJsonIsAMalformedRequest() {
        assertProblem(batch("{\"tasks\": ["), 400, "malformed_request");
        assertProblem(batch(""), 400, "malformed_request");
    }

    @Test
    void aBodyOverTheBatchLimitIsTooLarge() {
        StringBuilder tasks = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            tasks.append(i == 0 ? "" : ",").append("{\"type\": \"").append(type)
                    .append("\", \"payload\": {\"blob\": \"").append("x".repeat(14_000)).append("\"}}");
        }

        assertProblem(batch("{\"tasks\": [" + tasks + "]}"), 413, "payload_too_large");
        assertThat(rows()).isZero();
    }

    @Test
    void onlyJsonIsAccepted() {
        assertProblem(api.post(BATCH, "tasks=a", "Content-Type", "text/plain", "Authorization",
                "Bearer " + ItSupport.ADMIN_KEY), 415, "unsupported_media_type");
    }

    @Test
    void withoutAKeyItIsUnauthenticated() {
        assertProblem(api.post(BATCH, "{\"tasks\": [{\"type\": \"a\", \"payload\": {}}]}", "Content-Type",
                "application/json"), 401, "unauthenticated");
    }
}
