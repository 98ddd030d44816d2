package io.taskstream.ingest.auth;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.JsonNode;

/**
 * The security suite: tries to get in without a valid key, to reach another tenant's resources, to do
 * more than a key's scopes allow, and to break the API with hostile strings — against the real API on
 * real Kafka, Postgres and Redis. Keys are minted through {@code POST /keys} as a user would; each test
 * works in tenants of its own.
 */
class SecurityIT extends ApiWithKafkaIt {

    /** Every scope but {@code admin}: what a tenant's own automation typically holds. */
    static final List<String> ALL_BUT_ADMIN = List.of("task:create", "task:read", "task:cancel", "schedule:read",
            "schedule:write", "dlq:read", "dlq:write", "key:admin");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(SecurityIT.class, registry);
    }

    @Autowired
    KeyRepository keyRepository;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    String tenantA;
    String tenantB;

    @BeforeEach
    void tenants() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        tenantA = "acme-" + run;
        tenantB = "globex-" + run;
    }

    // ------------------------------------------------------------------------------------------------
    // helpers

    /** Mints a key with the admin key: {@code 201}, returns the answer (with {@code secret}). */
    private JsonNode mint(String tenant, List<String> scopes) {
        HttpResponse<String> response = api.authorized("POST", "/api/v1/keys", mintBody(tenant, scopes, null));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response);
    }

    private static String mintBody(String tenant, List<String> scopes, Instant expiresAt) {
        StringBuilder body = new StringBuilder("{\"name\": \"k\", \"scopes\": [");
        body.append(String.join(", ", scopes.stream().map(s -> "\"" + s + "\"").toList())).append("]");
        if (tenant != null) {
            body.append(", \"tenantId\": \"").append(tenant).append("\"");
        }
        if (expiresAt != null) {
            body.append(", \"expiresAt\": \"").append(expiresAt).append("\"");
        }
        return body.append("}").toString();
    }

    private HttpResponse<String> as(String key, String method, String path, String body) {
        return body == null ? api.send(method, path, null, "Authorization", "Bearer " + key)
                : api.send(method, path, body, "Authorization", "Bearer " + key, "Content-Type", "application/json");
    }

    private static String secret(JsonNode minted) {
        return minted.get("secret").asString();
    }

    private String submitTask(String key) {
        HttpResponse<String> response = as(key, "POST", "/api/v1/tasks",
                "{\"type\": \"report.generate\", \"payload\": {\"n\": 1}, \"delay\": \"PT1H\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json(response).get("id").asString();
    }

    private String createSchedule(String key) {
        HttpResponse<String> response = as(key, "POST", "/api/v1/schedules", """
                {"name": "nightly-%s", "cron": "0 2 * * *", "timezone": "UTC",
                 "task": {"type": "report.generate", "payload": {}}}""".formatted(UUID.randomUUID()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response).get("id").asString();
    }

    // ------------------------------------------------------------------------------------------------
    // keys: 401 for anything that is not a working key, never 500

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "Bearer", "not-a-key", "ts_", "ts_abc_", "ts_abc_short",
            "ts_nosuchprefix_0123456789abcdef0123456789abcdef", "' OR '1'='1", "ts_abc_é"})
    void anyPresentedValueThatIsNotAWorkingKeyIsUnauthenticated(String value) {
        HttpResponse<String> bearer = api.get("/api/v1/tasks", "Authorization", "Bearer " + value);
        HttpResponse<String> header = api.get("/api/v1/tasks", "X-API-Key", value);

        for (HttpResponse<String> response : List.of(bearer, header)) {
            JsonNode problem = assertProblem(response, 401, "unauthenticated");
            if (!value.isBlank()) {
                assertThat(problem.toString()).doesNotContain(value.strip());
            }
        }
    }

    @Test
    void aMissingKeyAnOversizedKeyAndAWrongSecretAreUnauthenticated() {
        assertProblem(api.get("/api/v1/tasks"), 401, "unauthenticated");
        assertProblem(api.get("/api/v1/tasks", "Authorization", "Bearer ts_abc_" + "a".repeat(4_000)), 401,
                "unauthenticated");
        String key = secret(mint(tenantA, List.of("task:read")));
        String wrongSecret = key.substring(0, key.lastIndexOf('_') + 1) + "0".repeat(40);
        assertThat(as(key, "GET", "/api/v1/tasks", null).statusCode()).isEqualTo(200);
        assertProblem(as(wrongSecret, "GET", "/api/v1/tasks", null), 401, "unauthenticated");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void keysNeverReachTheLogEvenWhenCodeTriesToLogThem(CapturedOutput output) {
        String key = secret(mint(tenantA, List.of("task:read")));
        String secretPart = key.substring(key.lastIndexOf('_') + 1);
        as(key + "x", "GET", "/api/v1/tasks", null);
        as(key, "POST", "/api/v1/keys", mintBody(null, List.of("admin"), null));
        org.slf4j.LoggerFactory.getLogger(SecurityIT.class).warn("a careless line: {}",
                "Authorization: Bearer " + key, new IllegalStateException("rejected " + key));

        assertThat(output.getAll()).contains("a careless line: Authorization: Bearer ****")
                .contains("IllegalStateException: rejected ts_").doesNotContain(secretPart);
    }

    @Test
    void anExpiredKeyIsUnauthenticated() {
        KeyFormat.Parsed key = KeyFormat.generate(new java.security.SecureRandom());
        keyRepository.insert(new StoredKey(UUID.randomUUID(), tenantA, "expired", key.prefix(), key.secretHash(),
                Set.of(Scope.TASK_READ), Instant.now().minusSeconds(120), Instant.now().minusSeconds(1), null, null,
                null));

        assertProblem(as(key.key(), "GET", "/api/v1/tasks", null), 401, "unauthenticated");
        assertProblem(api.authorized("POST", "/api/v1/keys",
                mintBody(tenantA, List.of("task:read"), Instant.now().minusSeconds(1))), 400, "validation_failed");
    }

    @Test
    void everyApiOperationNeedsAKey() {
        List<String> checked = new ArrayList<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mappings.getHandlerMethods().entrySet()) {
            for (String pattern : e.getKey().getPatternValues()) {
                if (!pattern.startsWith("/api/v1/")) {
                    continue;
                }
                String path = pattern.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
                for (var method : e.getKey().getMethodsCondition().getMethods()) {
                    assertProblem(api.send(method.name(), path, method.name().equals("GET") ? null : "{}",
                            "Content-Type", "application/json"), 401, "unauthenticated");
                    checked.add(method + " " + pattern);
                }
            }
        }
        assertThat(checked).hasSizeGreaterThan(25).contains("POST /api/v1/tasks", "POST /api/v1/keys",
                "DELETE /api/v1/keys/{id}", "POST /api/v1/keys/{id}:rotate");
    }

    // ------------------------------------------------------------------------------------------------
    // keys: minting, listing, revoking, rotating

    @Test
    void aMintedKeyIsShownOnceWorksForItsTenantAndIsStoredOnlyAsAHash() {
        JsonNode minted = mint(tenantA, List.of("task:create", "task:read"));
        String key = secret(minted);

        assertThat(key).matches("ts_[a-z0-9]{12}_[A-Za-z0-9]{40}").startsWith("ts_" + minted.get("prefix").asString());
        assertThat(minted.get("tenantId").asString()).isEqualTo(tenantA);
        assertThat(minted.get("scopes").valueStream().map(JsonNode::asString)).containsExactly("task:create",
                "task:read");
        assertThat(minted.get("status").asString()).isEqualTo("ACTIVE");
        String taskId = submitTask(key);
        assertThat(json(as(key, "GET", "/api/v1/tasks/" + taskId, null)).get("tenantId").asString()).isEqualTo(tenantA);

        HttpResponse<String> listed = api.authorized("GET", "/api/v1/keys", null, "X-Tenant-Id", tenantA);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(key.substring(key.lastIndexOf('_') + 1)).doesNotContain("secret");
        assertThat(json(listed).get("items").valueStream().map(i -> i.get("id").asString()))
                .containsExactly(minted.get("id").asString());
        byte[] stored = keyRepository.findByPrefix(minted.get("prefix").asString()).orElseThrow().secretHash();
        assertThat(stored).isEqualTo(KeyFormat.sha256(key.substring(key.lastIndexOf('_') + 1)));
    }

    @Test
    void aRevokedKeyStopsWorkingAtOnceHereAndWithinASecondOnAnotherApiInstance() {
        JsonNode minted = mint(tenantA, List.of("task:read"));
        String key = secret(minted);
        // the same database and Redis (this class's), topics and groups of its own
        Map<String, String> second = new java.util.HashMap<>(ItSupport.properties(SecurityIT.class));
        second.put("server.port", "0");
        second.put("server.address", "127.0.0.1");
        try (ConfigurableApplicationContext other = IngestApiApplication.application().registerShutdownHook(false)
                .run(second.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new))) {
            TestApi otherApi = TestApi.onPort(((WebServerApplicationContext) other).getWebServer().getPort());
            // both instances have the key in their caches
            assertThat(as(key, "GET", "/api/v1/tasks", null).statusCode()).isEqualTo(200);
            assertThat(otherApi.get("/api/v1/tasks", "Authorization", "Bearer " + key).statusCode()).isEqualTo(200);

            assertThat(api.authorized("DELETE", "/api/v1/keys/" + minted.get("id").asString(), null,
                    "X-Tenant-Id", tenantA).statusCode()).isEqualTo(204);

            assertProblem(as(key, "GET", "/api/v1/tasks", null), 401, "unauthenticated");
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertProblem(otherApi.get("/api/v1/tasks", "Authorization", "Bearer " + key), 401,
                            "unauthenticated"));
        }
        JsonNode listed = json(api.authorized("GET", "/api/v1/keys", null, "X-Tenant-Id", tenantA));
        assertThat(listed.get("items").get(0).get("status").asString()).isEqualTo("REVOKED");
        assertThat(listed.get("items").get(0).get("revokedAt").isNull()).isFalse();
    }

    @Test
    void aRotatedKeyGetsANewSecretAndTheOldOneWorksUntilTheGracePeriodEnds() {
        JsonNode minted = mint(tenantA, List.of("task:read"));
        String old = secret(minted);
        String id = minted.get("id").asString();

        HttpResponse<String> rotated = api.authorized("POST", "/api/v1/keys/" + id + ":rotate", null,
                "X-Tenant-Id", tenantA);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        String fresh = secret(json(rotated));
        assertThat(fresh).isNotEqualTo(old).startsWith("ts_" + minted.get("prefix").asString() + "_");
        assertThat(Duration.between(Instant.now(), Instant.parse(json(rotated).get("previousSecretExpiresAt")
                .asString()))).isBetween(Duration.ofHours(23), Duration.ofHours(24));
        assertThat(as(old, "GET", "/api/v1/tasks", null).statusCode()).isEqualTo(200);
        assertThat(as(fresh, "GET", "/api/v1/tasks", null).statusCode()).isEqualTo(200);

        // a rotation without grace ends the previous secret at once
        HttpResponse<String> again = api.authorized("POST", "/api/v1/keys/" + id + ":rotate",
                "{\"gracePeriod\": \"PT0S\"}", "X-Tenant-Id", tenantA);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertProblem(as(fresh, "GET", "/api/v1/tasks", null), 401, "unauthenticated");
        assertProblem(as(old, "GET", "/api/v1/tasks", null), 401, "unauthenticated");
        assertThat(as(secret(json(again)), "GET", "/api/v1/tasks", null).statusCode()).isEqualTo(200);

        assertProblem(api.authorized("POST", "/api/v1/keys/" + id + ":rotate", "{\"gracePeriod\": \"P30D\"}",
                "X-Tenant-Id", tenantA), 400, "validation_failed");
        api.authorized("DELETE", "/api/v1/keys/" + id, null, "X-Tenant-Id", tenantA);
        assertProblem(api.authorized("POST", "/api/v1/keys/" + id + ":rotate", null, "X-Tenant-Id", tenantA), 409,
                "conflict");
    }

    @Test
    void mintRequestsAreValidated() {
        JsonNode problem = assertProblem(api.authorized("POST", "/api/v1/keys",
                "{\"name\": \"\", \"scopes\": [\"task:read\", \"root\"], \"expiresAt\": \"tomorrow\", \"extra\": 1}"),
                400, "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString()))
                .contains("name", "scopes[1]", "expiresAt", "extra");
        assertProblem(api.authorized("POST", "/api/v1/keys", "{\"name\": \"k\", \"scopes\": []}"), 400,
                "validation_failed");
        assertProblem(api.authorized("POST", "/api/v1/keys", "{\"name\": \"k\", \"scopes\": [\"task:read\"], "
                + "\"tenantId\": \"no spaces allowed\"}"), 400, "validation_failed");
        assertProblem(api.authorized("POST", "/api/v1/keys", "{not json"), 400, "malformed_request");
    }

    // ------------------------------------------------------------------------------------------------
    // scopes: no key does more than it was given

    @Test
    void aKeyAdminCannotMintOrManageKeysWithScopesItLacksNorCrossTenants() {
        String keyAdmin = secret(mint(tenantA, List.of("key:admin", "task:read")));
        JsonNode adminOfA = mint(tenantA, List.of("admin"));

        assertProblem(as(keyAdmin, "POST", "/api/v1/keys", mintBody(null, List.of("admin"), null)), 403, "forbidden");
        assertProblem(as(keyAdmin, "POST", "/api/v1/keys", mintBody(null, List.of("task:create"), null)), 403,
                "forbidden");
        assertProblem(as(keyAdmin, "POST", "/api/v1/keys", mintBody(tenantB, List.of("task:read"), null)), 403,
                "forbidden");
        assertProblem(api.send("GET", "/api/v1/keys", null, "Authorization", "Bearer " + keyAdmin,
                "X-Tenant-Id", tenantB), 403, "forbidden");
        assertProblem(as(keyAdmin, "DELETE", "/api/v1/keys/" + adminOfA.get("id").asString(), null), 403,
                "forbidden");
        assertProblem(as(keyAdmin, "POST", "/api/v1/keys/" + adminOfA.get("id").asString() + ":rotate", null), 403,
                "forbidden");
        assertThat(as(secret(adminOfA), "GET", "/api/v1/keys", null).statusCode()).as("still works").isEqualTo(200);

        // within its own scopes it may
        HttpResponse<String> reader = as(keyAdmin, "POST", "/api/v1/keys", mintBody(null, List.of("task:read"), null));
        assertThat(reader.statusCode()).as(reader.body()).isEqualTo(201);
        assertThat(json(reader).get("tenantId").asString()).isEqualTo(tenantA);
    }

    @Test
    void aKeyWithoutAnOperationsScopeIsForbiddenFromIt() {
        String reader = secret(mint(tenantA, List.of("task:read")));
        String taskId = submitTask(secret(mint(tenantA, List.of("task:create"))));

        assertThat(as(reader, "GET", "/api/v1/tasks/" + taskId, null).statusCode()).isEqualTo(200);
        assertProblem(as(reader, "POST", "/api/v1/tasks", "{\"type\": \"a\", \"payload\": {}}"), 403, "forbidden");
        assertProblem(as(reader, "DELETE", "/api/v1/tasks/" + taskId, null), 403, "forbidden");
        assertProblem(as(reader, "GET", "/api/v1/schedules", null), 403, "forbidden");
        assertProblem(as(reader, "GET", "/api/v1/dlq", null), 403, "forbidden");
        assertProblem(as(reader, "GET", "/api/v1/keys", null), 403, "forbidden");
        assertProblem(as(reader, "GET", "/api/v1/workers", null), 403, "forbidden");
        assertProblem(as(reader, "POST", "/api/v1/keys", mintBody(null, List.of("task:read"), null)), 403,
                "forbidden");
    }

    @Test
    void anAdminKeyMintsForAnyTenantAndActsForItWithTheTenantHeader() {
        String keyOfB = secret(mint(tenantB, List.of("task:create", "task:read")));
        String taskOfB = submitTask(keyOfB);

        assertProblem(api.getAuthorized("/api/v1/tasks/" + taskOfB), 404, "not_found");
        HttpResponse<String> acting = api.authorized("GET", "/api/v1/tasks/" + taskOfB, null, "X-Tenant-Id", tenantB);
        assertThat(acting.statusCode()).as(acting.body()).isEqualTo(200);
        assertThat(json(acting).get("tenantId").asString()).isEqualTo(tenantB);
    }

    // ------------------------------------------------------------------------------------------------
    // tenants: B reaches nothing of A's

    @Test
    void tenantBCannotReadListCancelChangeReplayScheduleOrCountTenantAsResources() {
        String keyA = secret(mint(tenantA, ALL_BUT_ADMIN));
        String keyB = secret(mint(tenantB, ALL_BUT_ADMIN));
        String taskA = submitTask(keyA);
        String scheduleA = createSchedule(keyA);
        String deadA = deadLettered(tenantA);
        String keyIdA = json(as(keyA, "GET", "/api/v1/keys", null)).get("items").get(0).get("id").asString();
        await().atMost(Duration.ofSeconds(10)).until(() -> as(keyA, "GET", "/api/v1/dlq/" + deadA, null)
                .statusCode() == 200);

        // A sees its own
        assertThat(as(keyA, "GET", "/api/v1/tasks/" + taskA, null).statusCode()).isEqualTo(200);
        assertThat(as(keyA, "GET", "/api/v1/schedules/" + scheduleA, null).statusCode()).isEqualTo(200);

        // B: every resource of A is not found, never forbidden
        for (String[] call : new String[][] {
                {"GET", "/api/v1/tasks/" + taskA, null},
                {"GET", "/api/v1/tasks/" + taskA + "/executions", null},
                {"DELETE", "/api/v1/tasks/" + taskA, null},
                {"GET", "/api/v1/schedules/" + scheduleA, null},
                {"DELETE", "/api/v1/schedules/" + scheduleA, null},
                {"POST", "/api/v1/schedules/" + scheduleA + ":trigger", null},
                {"GET", "/api/v1/dlq/" + deadA, null},
                {"POST", "/api/v1/dlq/" + deadA + ":replay", null},
                {"DELETE", "/api/v1/dlq/" + deadA, null},
                {"DELETE", "/api/v1/keys/" + keyIdA, null},
                {"POST", "/api/v1/keys/" + keyIdA + ":rotate", null}}) {
            assertProblem(as(keyB, call[0], call[1], call[2]), 404, "not_found");
        }
        assertProblem(api.send("PATCH", "/api/v1/tasks/" + taskA, "{\"priority\": \"HIGH\"}", "Authorization",
                "Bearer " + keyB, "Content-Type", "application/json"), 404, "not_found");
        assertProblem(api.send("PATCH", "/api/v1/schedules/" + scheduleA, "{\"enabled\": false}", "Authorization",
                "Bearer " + keyB, "Content-Type", "application/json"), 404, "not_found");
        assertProblem(as(keyB, "PUT", "/api/v1/schedules/" + scheduleA, """
                {"name": "mine-now", "cron": "0 3 * * *", "timezone": "UTC",
                 "task": {"type": "report.generate", "payload": {}}}"""), 404, "not_found");

        // B's listings and counts hold nothing of A's, whatever the filters say
        assertThat(json(as(keyB, "GET", "/api/v1/tasks", null)).get("items")).isEmpty();
        assertThat(json(as(keyB, "GET", "/api/v1/tasks?type=report.generate&scheduleId=" + scheduleA, null))
                .get("items")).isEmpty();
        assertThat(json(as(keyB, "GET", "/api/v1/schedules", null)).get("items")).isEmpty();
        assertThat(json(as(keyB, "GET", "/api/v1/dlq", null)).get("items")).isEmpty();
        assertThat(json(as(keyB, "GET", "/api/v1/keys", null)).get("items").valueStream()
                .map(k -> k.get("tenantId").asString())).containsOnly(tenantB);
        JsonNode statsB = json(as(keyB, "GET", "/api/v1/stats", null));
        assertThat(statsB.toString()).doesNotContain(tenantA);
        assertThat(json(as(keyB, "POST", "/api/v1/dlq:replay", "{\"type\": \"dlq-sec\"}")).get("replayed").asInt())
                .isZero();

        // and A's things are untouched
        assertThat(json(as(keyA, "GET", "/api/v1/schedules/" + scheduleA, null)).get("name").asString())
                .startsWith("nightly-");
        assertThat(json(as(keyA, "GET", "/api/v1/tasks/" + taskA, null)).get("status").asString())
                .isNotEqualTo("CANCELLED");
        assertThat(as(keyA, "GET", "/api/v1/dlq/" + deadA, null).statusCode()).isEqualTo(200);
    }

    /** A task of {@code tenant} that failed for good: its events and its dead letter, as the scheduler writes them. */
    private String deadLettered(String tenant) {
        UUID id = UUID.randomUUID();
        Instant t0 = Instant.now().minusSeconds(60);
        TaskSubmission s = new TaskSubmission(id, tenant, "dlq-sec", Json.mapper().createObjectNode().put("n", 1),
                Priority.LOW, null, null, 1, null, null, null, null, Map.of(), false, null, t0);
        Execution failed = new Execution(1, "worker-1", t0.plusSeconds(1), t0.plusSeconds(2), AttemptOutcome.FAILED,
                TaskError.retryable("handler_error", "boom"), null);
        kafka.publish(topics.events(), id.toString(), TaskEvent.admitted(s, 1, TaskStatus.QUEUED, t0, t0));
        kafka.publish(topics.events(), id.toString(), TaskEvent.statusChange(id, tenant, 2, TaskStatus.FAILED,
                t0.plusSeconds(2), 1).withExecution(failed).withOutcome(null, failed.error()));
        kafka.publish(topics.dlq(), id.toString(), new DeadLetter(id, tenant, "attempts_exhausted", "handler_error: boom",
                t0.plusSeconds(2), s, List.of(failed), null));
        return id.toString();
    }

    // ------------------------------------------------------------------------------------------------
    // hostile strings in every query parameter and path: 400 or an empty answer, never 500

    static final List<String> HOSTILE = List.of("' OR '1'='1", "'; DROP TABLE tasks; --", "\" OR \"\"=\"",
            "1; SELECT pg_sleep(5)", "%", "_", "\\", "\u0000", "nul\u0000byte", "\uD83D\uDCA3\uD83D\uDD25", "\u202Egnp.exe",
            "Ω≈ç√∫˜µ≤≥÷", "𝕿𝖆𝖘𝖐", "\uFEFF", "..%2F..%2Fetc%2Fpasswd", "{\"$gt\": \"\"}", "<script>alert(1)</script>",
            "a".repeat(5_000), "-1", "9999999999999999999999", "2026-13-45T99:99:99Z", "null", "[]");

    @Test
    void hostileStringsInQueryParametersAndPathsAreRefusedOrFindNothingButNeverBreakTheApi() {
        String key = secret(mint(tenantA, ALL_BUT_ADMIN));
        submitTask(key);
        List<String> queries = List.of("/api/v1/tasks?status=", "/api/v1/tasks?type=", "/api/v1/tasks?priority=",
                "/api/v1/tasks?label=", "/api/v1/tasks?label=team:", "/api/v1/tasks?createdAfter=",
                "/api/v1/tasks?createdBefore=", "/api/v1/tasks?scheduleId=", "/api/v1/tasks?limit=",
                "/api/v1/tasks?cursor=", "/api/v1/tasks?include=", "/api/v1/dlq?type=", "/api/v1/dlq?limit=",
                "/api/v1/dlq?cursor=", "/api/v1/schedules?limit=", "/api/v1/schedules?cursor=", "/api/v1/keys?limit=",
                "/api/v1/keys?cursor=", "/api/v1/stats?x=", "/api/v1/tasks/", "/api/v1/tasks/%s/executions",
                "/api/v1/schedules/", "/api/v1/dlq/", "/api/v1/workers/");
        List<String> failures = new ArrayList<>();
        for (String query : queries) {
            for (String hostile : HOSTILE) {
                String encoded = URLEncoder.encode(hostile, StandardCharsets.UTF_8).replace("+", "%20");
                String path = query.contains("%s") ? query.formatted(encoded)
                        : query.endsWith("/") ? query + encoded : query + encoded;
                String method = "GET";
                HttpResponse<String> response = query.startsWith("/api/v1/workers")
                        ? api.getAuthorized(path) : as(key, method, path, null);
                int status = response.statusCode();
                boolean ok = status == 400 || status == 404
                        || status == 200 && json(response).path("items").isEmpty();
                if (status == 200 && path.startsWith("/api/v1/stats")) {
                    ok = false;
                }
                if (!ok) {
                    failures.add(status + " " + path.substring(0, Math.min(path.length(), 120)) + " → "
                            + response.body().substring(0, Math.min(response.body().length(), 200)));
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(json(as(key, "GET", "/api/v1/tasks", null)).get("items")).hasSize(1);
    }

    @Test
    void hostileStringsInTheTenantHeaderAreRefused() {
        for (String hostile : List.of("' OR '1'='1", "a b", "../x", "é", "a".repeat(101), "")) {
            HttpResponse<String> response = api.send("GET", "/api/v1/tasks", null, "Authorization",
                    "Bearer " + ItSupport.ADMIN_KEY, "X-Tenant-Id", hostile);
            assertThat(response.statusCode()).as(hostile).isIn(400);
        }
    }

    @Test
    void hostileStringsInKeyNamesAreStoredAsTextNotRun() {
        String name = "'); DELETE FROM api_keys; --";
        HttpResponse<String> response = api.authorized("POST", "/api/v1/keys",
                "{\"name\": " + Json.mapper().writeValueAsString(name) + ", \"scopes\": [\"task:read\"], "
                        + "\"tenantId\": \"" + tenantA + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(json(response).get("name").asString()).isEqualTo(name);
        assertThat(keyRepository.page(tenantA, 10, null)).singleElement()
                .satisfies(k -> assertThat(k.name()).isEqualTo(name));
    }

    @Test
    void hostileStringsInRequestBodiesAreRefusedOrKeptAsTextButNeverBreakTheApi() {
        String key = secret(mint(tenantA, ALL_BUT_ADMIN));
        List<String> failures = new ArrayList<>();
        for (String hostile : HOSTILE) {
            String value = Json.mapper().writeValueAsString(hostile);
            List<String[]> calls = List.of(
                    new String[] {"/api/v1/tasks", "{\"type\": " + value + ", \"payload\": {}}"},
                    new String[] {"/api/v1/tasks", "{\"type\": \"a\", \"payload\": {\"v\": " + value + "}}"},
                    new String[] {"/api/v1/tasks", "{\"type\": \"a\", \"payload\": {" + value + ": 1}}"},
                    new String[] {"/api/v1/tasks", "{\"type\": \"a\", \"payload\": {}, \"labels\": {\"k\": " + value
                            + "}}"},
                    new String[] {"/api/v1/tasks", "{\"type\": \"a\", \"payload\": {}, \"orderingKey\": " + value + "}"},
                    new String[] {"/api/v1/tasks", "{\"type\": \"a\", \"payload\": {}, \"idempotencyKey\": " + value
                            + "}"},
                    new String[] {"/api/v1/schedules", "{\"name\": " + value + ", \"cron\": \"0 2 * * *\", "
                            + "\"timezone\": \"UTC\", \"task\": {\"type\": \"a\", \"payload\": {}}}"},
                    new String[] {"/api/v1/schedules", "{\"name\": \"n\", \"cron\": " + value + ", "
                            + "\"timezone\": " + value + ", \"task\": {\"type\": \"a\", \"payload\": {}}}"},
                    new String[] {"/api/v1/keys", "{\"name\": " + value + ", \"scopes\": [" + value + "]}"},
                    new String[] {"/api/v1/dlq:replay", "{\"type\": " + value + "}"});
            for (String[] call : calls) {
                HttpResponse<String> response = as(key, "POST", call[0], call[1]);
                if (response.statusCode() >= 500) {
                    failures.add(response.statusCode() + " " + call[0] + " " + call[1].substring(0,
                            Math.min(call[1].length(), 120)) + " → " + response.body());
                }
            }
        }
        assertThat(failures).isEmpty();
    }
}
