package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.TestKafka;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.crypto.DataKey;
import io.taskstream.schemas.crypto.KeyRing;
import io.taskstream.schemas.crypto.PayloadCipher;
import tools.jackson.databind.JsonNode;

/**
 * {@code "encrypt": true} against real Kafka, Postgres and Redis, with a rotated ring (k2 active, k1 still
 * decrypting): the payload is neither in the submit topic nor in the {@code tasks} table, the caller gets it
 * back decrypted, and so the result a worker encrypted.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class EncryptionApiIT {

    static final byte[] K1 = new SecureRandom().generateSeed(32);
    static final byte[] K2 = new SecureRandom().generateSeed(32);
    static final String RING = "k2:" + Base64.getEncoder().encodeToString(K2) + ",k1:"
            + Base64.getEncoder().encodeToString(K1);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(EncryptionApiIT.class, registry);
        registry.add("taskstream.encryption.keys", () -> RING);
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
    TestKafka kafka;
    final String marker = "marker-" + UUID.randomUUID();

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        kafka = new TestKafka(bootstrap);
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    static PayloadCipher cipher(String id, byte[] key) {
        KeyRing ring = new KeyRing(null, List.of(DataKey.of(id, key)));
        return new PayloadCipher(() -> ring, new SecureRandom());
    }

    @Test
    void anEncryptedTasksPayloadIsNotReadableInKafkaOrTheTasksTableYetTheCallerGetsItBack(CapturedOutput output) {
        HttpResponse<String> accepted = api.submit("""
                {"type": "email.send", "payload": {"to": "a@example.com", "note": "%s"}, "encrypt": true}
                """.formatted(marker));

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(accepted.body()).doesNotContain(marker);
        JsonNode task = json(accepted);
        String id = task.get("id").asString();
        assertThat(task.get("encrypted").asBoolean()).isTrue();

        // Kafka: the submission record carries the envelope under the active key, not the payload
        ConsumerRecord<String, byte[]> record = kafka.records(topics.submit(Priority.NORMAL)).stream()
                .filter(r -> id.equals(r.key())).findFirst().orElseThrow();
        String raw = new String(record.value(), StandardCharsets.UTF_8);
        assertThat(raw).doesNotContain(marker).doesNotContain("a@example.com");
        TaskSubmission submitted = Json.mapper().readValue(record.value(), TaskSubmission.class);
        assertThat(submitted.encrypt()).isTrue();
        assertThat(PayloadCipher.isEnvelope(submitted.payload())).isTrue();
        assertThat(submitted.payload().get("encrypted").get("kid").asString()).isEqualTo("k2");

        // Postgres: the read-your-writes row holds the same envelope
        String stored = jdbc.queryForObject("SELECT payload::text FROM tasks WHERE id = ?::uuid", String.class, id);
        assertThat(stored).doesNotContain(marker);
        assertThat(PayloadCipher.isEnvelope(Json.mapper().readTree(stored))).isTrue();
        assertThat(jdbc.queryForObject("SELECT encrypt FROM tasks WHERE id = ?::uuid", Boolean.class, id)).isTrue();

        // the caller: decrypted with ?include=payload, and not at all without it
        JsonNode withPayload = json(api.getAuthorized("/api/v1/tasks/" + id + "?include=payload"));
        assertThat(withPayload.get("payload")).isEqualTo(Json.mapper().readTree(
                "{\"to\": \"a@example.com\", \"note\": \"" + marker + "\"}"));
        assertThat(withPayload.get("encrypted").asBoolean()).isTrue();
        assertThat(withPayload.has("decryptionError")).isFalse();
        assertThat(json(api.getAuthorized("/api/v1/tasks/" + id)).has("payload")).isFalse();
        assertThat(output.getAll()).doesNotContain(marker).doesNotContain(Base64.getEncoder().encodeToString(K2));
    }

    @Test
    void aResultAWorkerEncryptedUnderTheOldKeyIsShownDecryptedAndOneUnderAnUnknownKeySaysSo() {
        String sealedUnderOldKey = acceptedEncrypted();
        String sealedUnderUnknownKey = acceptedEncrypted();

        complete(sealedUnderOldKey, cipher("k1", K1));
        complete(sealedUnderUnknownKey, cipher("k9", new SecureRandom().generateSeed(32)));

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode view = json(api.getAuthorized("/api/v1/tasks/" + sealedUnderOldKey));
            assertThat(view.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(view.get("result").get("echo").asString()).isEqualTo(marker);
        });
        String storedResult = jdbc.queryForObject("SELECT result::text FROM tasks WHERE id = ?::uuid", String.class,
                sealedUnderOldKey);
        assertThat(storedResult).doesNotContain(marker);
        assertThat(Json.mapper().readTree(storedResult).get("encrypted").get("kid").asString()).isEqualTo("k1");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> response = api.getAuthorized("/api/v1/tasks/" + sealedUnderUnknownKey
                    + "?include=payload");
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode view = json(response);
            assertThat(view.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(view.get("payload").get("note").asString()).isEqualTo(marker);
            assertThat(PayloadCipher.isEnvelope(view.get("result"))).isTrue();
            assertThat(view.get("decryptionError").asString()).isEqualTo("the result could not be decrypted: the "
                    + "value is encrypted under key 'k9', which this node's key ring does not hold (it holds [k2, k1])");
        });
        JsonNode listed = json(api.getAuthorized("/api/v1/tasks?type=enc.check&limit=500"));
        assertThat(listed.get("items").findValuesAsString("id")).contains(sealedUnderOldKey);
        for (JsonNode item : listed.get("items")) {
            if (item.get("id").asString().equals(sealedUnderOldKey)) {
                assertThat(item.get("result").get("echo").asString()).isEqualTo(marker);
            }
        }
    }

    @Test
    void anIdempotentRetryOfAnEncryptedTaskIsRecognisedAlthoughEachEncryptionDiffers() {
        String body = """
                {"type": "enc.check", "payload": {"note": "%s"}, "encrypt": true, "idempotencyKey": "enc-%s"}
                """.formatted(marker, marker);
        HttpResponse<String> first = api.submit(body);
        HttpResponse<String> again = api.submit(body);
        HttpResponse<String> other = api.submit(body.replace("\"note\"", "\"other\""));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(json(again).get("id")).isEqualTo(json(first).get("id"));
        TestApi.assertProblem(other, 409, "idempotency_conflict");
    }

    @Test
    void eachEncryptedTaskOfABatchIsSealedAndAPlainOneIsNot() {
        HttpResponse<String> response = api.post("/api/v1/tasks:batch", """
                {"tasks": [{"type": "enc.check", "payload": {"note": "%s"}, "encrypt": true},
                           {"type": "enc.check", "payload": {"note": "plain-%s"}}]}
                """.formatted(marker, marker), "Content-Type", "application/json",
                "Authorization", "Bearer " + ItSupport.ADMIN_KEY);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode results = json(response).get("results");
        String sealed = results.get(0).get("task").get("id").asString();
        String plain = results.get(1).get("task").get("id").asString();
        assertThat(results.get(1).get("task").has("encrypted")).isFalse();
        List<ConsumerRecord<String, byte[]>> records = kafka.records(topics.submit(Priority.NORMAL));
        assertThat(valueOf(records, sealed)).doesNotContain(marker).contains("\"encrypted\"");
        assertThat(valueOf(records, plain)).contains("plain-" + marker);
        assertThat(json(api.getAuthorized("/api/v1/tasks/" + sealed + "?include=payload")).get("payload")
                .get("note").asString()).isEqualTo(marker);
    }

    private static String valueOf(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).findFirst()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).orElseThrow();
    }

    @Test
    void aConstraintViolationNeverQuotesTheFailingRowSoNoPayloadReachesTheLog() {
        // PostgreSQL's Detail of a NOT NULL violation is "Failing row contains (<every column>)": the projection
        // logs such messages, and a tasks row holds the payload (logServerErrorDetail=false in ingest-api.yml)
        Throwable failure = catchThrowable(() -> jdbc.execute((ConnectionCallback<Void>) connection -> {
            try (Statement create = connection.createStatement();
                 PreparedStatement insert = connection.prepareStatement("insert into leak_check values (null, ?)")) {
                create.execute("create temp table if not exists leak_check (id int not null, payload text)");
                insert.setString(1, marker);
                insert.executeUpdate();
            }
            return null;
        }));

        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).contains("violates not-null constraint").doesNotContain(marker);
    }

    /** An encrypted task, accepted; its id. */
    private String acceptedEncrypted() {
        HttpResponse<String> accepted = api.submit("""
                {"type": "enc.check", "payload": {"note": "%s"}, "encrypt": true}
                """.formatted(marker));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted).get("id").asString();
    }

    /** What the scheduler reports once a worker completed the task, its result encrypted with {@code worker}. */
    private void complete(String id, PayloadCipher worker) {
        UUID taskId = UUID.fromString(id);
        JsonNode result = worker.sealResult("default", taskId, Json.mapper().createObjectNode().put("echo", marker));
        kafka.publish(topics.events(), id, TaskEvent.statusChange(taskId, "default", 3, TaskStatus.COMPLETED,
                Instant.now(), 1).withOutcome(result, null));
    }
}
