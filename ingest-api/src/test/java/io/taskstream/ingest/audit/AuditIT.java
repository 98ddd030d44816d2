package io.taskstream.ingest.audit;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import tools.jackson.databind.JsonNode;

/**
 * The audit log as a user sees it, against the real API on real Kafka, Postgres and Redis: which requests
 * leave a row and what the row says, and {@code GET /audit}. Each test works in a tenant of its own, with a
 * key minted through {@code POST /keys}. A mutating request's row is recorded before its answer is sent, so
 * a test flushes the {@link AuditTrail} after its requests and reads the rows.
 */
class AuditIT extends ApiWithKafkaIt {

    private static final String UA = "audit-it/1.0 (+https://taskstream.io)";
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(AuditIT.class, registry);
    }

    @Autowired
    AuditTrail trail;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mapping;

    String tenant;
    long recordedBefore;

    @BeforeEach
    void newTenant() {
        tenant = "audit-" + UUID.randomUUID().toString().substring(0, 8);
        recordedBefore = trail.recorded();
    }

    // helpers

    private JsonNode mint(String forTenant, List<String> scopes) {
        HttpResponse<String> response = api.authorized("POST", "/api/v1/keys", "{\"name\": \"audit-it\", \"scopes\": ["
                + String.join(", ", scopes.stream().map(s -> "\"" + s + "\"").toList()) + "], \"tenantId\": \""
                + forTenant + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response);
    }

    private HttpResponse<String> as(String key, String method, String path, String body, String... headers) {
        List<String> all = new ArrayList<>(List.of("Authorization", "Bearer " + key, "User-Agent", UA));
        if (body != null) {
            all.addAll(List.of("Content-Type", "application/json"));
        }
        all.addAll(List.of(headers));
        return api.send(method, path, body, all.toArray(String[]::new));
    }

    /** Checks that {@code n} requests were recorded since the test began (before they were answered), and writes them. */
    private void flushAfter(int n) {
        assertThat(trail.recorded() - recordedBefore).isEqualTo(n);
        trail.flush();
    }

    private List<Map<String, Object>> rows(String ofTenant) {
        return jdbc.queryForList("""
                SELECT actor, actor_tenant_id, action, resource_type, resource_id, status, outcome, ip, user_agent,
                       trace_id, detail::text AS detail
                FROM audit_log WHERE tenant_id = ? ORDER BY chain_seq""", ofTenant);
    }

    private static String summary(Map<String, Object> row) {
        return row.get("action") + " " + row.get("status") + " " + row.get("outcome");
    }

    // tests

    @Test
    void everyMutatingCallIsAuditedWithWhoWhatWhereAndTheOutcomeAndReadsAndUnauthenticatedCallsAreNot() {
        JsonNode minted = mint(tenant, List.of("task:create", "task:read", "schedule:write", "schedule:read",
                "dlq:write", "dlq:read"));
        String key = minted.get("secret").asString();
        String keyId = minted.get("id").asString();
        String readOnly = mint(tenant, List.of("task:read")).get("secret").asString();
        recordedBefore = trail.recorded(); // the two mints were the admin's, in the admin's tenant
        double unauthenticatedBefore = meters.counter(AuditFilter.UNAUTHENTICATED, "status", "401").count();

        HttpResponse<String> task = as(key, "POST", "/api/v1/tasks",
                "{\"type\": \"report.generate\", \"payload\": {\"n\": 1}, \"delay\": \"PT1H\"}", "traceparent",
                TRACEPARENT);
        assertThat(task.statusCode()).as(task.body()).isEqualTo(202);
        String taskId = json(task).get("id").asString();
        HttpResponse<String> schedule = as(key, "POST", "/api/v1/schedules", """
                {"name": "nightly", "cron": "0 2 * * *", "timezone": "UTC",
                 "task": {"type": "report.generate", "payload": {}}}""");
        assertThat(schedule.statusCode()).as(schedule.body()).isEqualTo(201);
        String scheduleId = json(schedule).get("id").asString();
        assertThat(as(key, "DELETE", "/api/v1/schedules/" + scheduleId, null).statusCode()).isEqualTo(204);
        String notDeadLettered = UUID.randomUUID().toString();
        assertProblem(as(key, "POST", "/api/v1/dlq/" + notDeadLettered + ":replay", null), 404, "not_found");
        assertProblem(as(readOnly, "POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}"), 403,
                "forbidden");
        // not audited: reads, and requests without a valid key
        assertThat(as(key, "GET", "/api/v1/tasks/" + taskId, null).statusCode()).isEqualTo(200);
        assertThat(as(key, "GET", "/api/v1/schedules", null).statusCode()).isEqualTo(200);
        assertProblem(api.send("POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}", "Content-Type",
                "application/json"), 401, "unauthenticated");
        assertProblem(as("ts_nope_0123456789abcdef0123456789abcdef", "DELETE", "/api/v1/schedules/" + scheduleId,
                null), 401, "unauthenticated");

        flushAfter(5);

        List<Map<String, Object>> rows = rows(tenant);
        assertThat(rows).extracting(AuditIT::summary).containsExactlyInAnyOrder(
                "task.submit 202 ok", "schedule.create 201 ok", "schedule.delete 204 ok", "dlq.replay 404 refused",
                "task.submit 403 refused");
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.get("actor_tenant_id")).isEqualTo(tenant);
            assertThat(row.get("ip")).isEqualTo("127.0.0.1");
            assertThat(row.get("user_agent")).isEqualTo(UA);
        });
        assertThat(rows).filteredOn(r -> r.get("status").equals(202)).singleElement().satisfies(r -> {
            assertThat(r.get("actor")).isEqualTo(keyId);
            assertThat(r.get("resource_type")).isEqualTo("task");
            assertThat(r.get("resource_id")).as("from Location").isEqualTo(taskId);
            assertThat(r.get("trace_id")).isEqualTo(TRACE_ID);
        });
        assertThat(rows).filteredOn(r -> r.get("action").equals("schedule.delete")).singleElement().satisfies(r -> {
            assertThat(r.get("resource_id")).isEqualTo(scheduleId);
            assertThat(r.get("detail")).isEqualTo("{\"name\": \"nightly\"}");
        });
        assertThat(rows).filteredOn(r -> r.get("action").equals("dlq.replay")).singleElement()
                .satisfies(r -> assertThat(r.get("resource_id")).isEqualTo(notDeadLettered));
        assertThat(rows).filteredOn(r -> r.get("status").equals(403)).singleElement()
                .satisfies(r -> assertThat(r.get("actor")).as("the read-only key").isNotEqualTo(keyId));
        assertThat(meters.counter(AuditFilter.UNAUTHENTICATED, "status", "401").count() - unauthenticatedBefore)
                .isEqualTo(2);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_log WHERE user_agent = ? AND status = 401",
                Long.class, UA)).isZero();
    }

    @Test
    void anAdminActingForATenantIsRecordedInThatTenantsLogWithItsOwnTenant() {
        String adminTenant = jdbc.queryForObject("SELECT tenant_id FROM api_keys WHERE prefix = 'it'", String.class);

        HttpResponse<String> task = api.authorized("POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}",
                "X-Tenant-Id", tenant);
        assertThat(task.statusCode()).as(task.body()).isEqualTo(202);
        flushAfter(1);

        assertThat(rows(tenant)).singleElement().satisfies(r -> {
            assertThat(r.get("action")).isEqualTo("task.submit");
            assertThat(r.get("actor_tenant_id")).isEqualTo(adminTenant);
            assertThat(r.get("actor")).isEqualTo(jdbc.queryForObject("SELECT id::text FROM api_keys WHERE prefix = 'it'",
                    String.class));
        });
    }

    @Test
    void theListingShowsTheTenantsRowsNewestFirstPageByPageAndNeedsKeyAdmin() {
        String key = mint(tenant, List.of("task:create", "key:admin")).get("secret").asString();
        String tasksOnly = mint(tenant, List.of("task:create", "task:read")).get("secret").asString();
        recordedBefore = trail.recorded();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> task = as(key, "POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}");
            assertThat(task.statusCode()).as(task.body()).isEqualTo(202);
            ids.addFirst(json(task).get("id").asString());
        }
        assertProblem(as(key, "DELETE", "/api/v1/schedules/" + UUID.randomUUID(), null), 403, "forbidden");
        flushAfter(4);

        HttpResponse<String> first = as(key, "GET", "/api/v1/audit?action=task.submit&limit=2", null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode page = json(first);
        assertThat(page.get("items").valueStream().map(i -> i.get("resourceId").asString()))
                .containsExactly(ids.get(0), ids.get(1));
        JsonNode item = page.get("items").get(0);
        assertThat(item.get("tenantId").asString()).isEqualTo(tenant);
        assertThat(item.get("status").asInt()).isEqualTo(202);
        assertThat(item.get("outcome").asString()).isEqualTo("ok");
        assertThat(item.get("rowHash").asString()).hasSize(64);
        assertThat(item.get("chainSeq").asLong()).isPositive();
        JsonNode second = json(as(key, "GET", "/api/v1/audit?action=task.submit&limit=2&cursor="
                + page.get("nextCursor").asString(), null));
        assertThat(second.get("items").valueStream().map(i -> i.get("resourceId").asString()))
                .containsExactly(ids.get(2));
        assertThat(second.get("nextCursor").isNull()).isTrue();

        JsonNode all = json(as(key, "GET", "/api/v1/audit", null));
        assertThat(all.get("items").valueStream().map(i -> i.get("action").asString()))
                .as("newest first, refusals too").containsExactly("schedule.delete", "task.submit", "task.submit",
                        "task.submit");
        assertThat(json(as(key, "GET", "/api/v1/audit?since=2999-01-01T00:00:00Z", null)).get("items")).isEmpty();
        assertProblem(as(key, "GET", "/api/v1/audit?cursor=" + page.get("nextCursor").asString(), null), 400,
                "validation_failed");
        assertProblem(as(key, "GET", "/api/v1/audit?since=yesterday", null), 400, "validation_failed");
        assertProblem(as(key, "GET", "/api/v1/audit?actor=me", null), 400, "validation_failed");
        assertProblem(as(key, "GET", "/api/v1/audit?limit=0", null), 400, "validation_failed");
        assertProblem(as(tasksOnly, "GET", "/api/v1/audit", null), 403, "forbidden");
        assertThat(json(api.getAuthorized("/api/v1/audit?action=task.submit")).get("items").valueStream()
                .map(i -> i.get("tenantId").asString())).as("the admin's own tenant's rows only").doesNotContain(tenant);
    }

    @Test
    void verifyingTheChainNeedsAdminAndIsAuditedToo() {
        String keyAdmin = mint(tenant, List.of("key:admin")).get("secret").asString();
        recordedBefore = trail.recorded();
        assertProblem(as(keyAdmin, "POST", "/api/v1/audit:verify", null), 403, "forbidden");

        HttpResponse<String> verified = api.authorized("POST", "/api/v1/audit:verify", null);

        assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);
        assertThat(json(verified).get("valid").asBoolean()).isTrue();
        flushAfter(2);
        assertThat(rows(tenant)).extracting(AuditIT::summary).containsExactly("audit.verify 403 refused");
        assertThat(jdbc.queryForObject("SELECT detail ->> 'valid' FROM audit_log WHERE action = 'audit.verify' "
                + "AND status = 200 ORDER BY chain_seq DESC LIMIT 1", String.class)).isEqualTo("true");
    }

    @Test
    void aRateLimited429IsAuditedWithItsRouteAndARequestNoRouteTakesAsUnmatched() {
        HttpResponse<String> limits = api.authorized("PUT", "/api/v1/tenants/" + tenant + "/limits",
                "{\"groups\": {\"submit\": {\"requestsPerMinute\": 1, \"burst\": 1}}}");
        assertThat(limits.statusCode()).as(limits.body()).isEqualTo(200);
        String key = mint(tenant, List.of("task:create")).get("secret").asString();
        recordedBefore = trail.recorded();

        HttpResponse<String> first = as(key, "POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertProblem(as(key, "POST", "/api/v1/tasks", "{\"type\": \"log\", \"payload\": {}}"), 429,
                "rate_limited");
        HttpResponse<String> nowhere = as(key, "PUT", "/api/v1/nothing/here", null);
        assertThat(nowhere.statusCode()).isBetween(400, 499);
        flushAfter(3);

        assertThat(rows(tenant)).extracting(AuditIT::summary).containsExactly("task.submit 202 ok",
                "task.submit 429 refused", "request.unmatched " + nowhere.statusCode() + " refused");
        assertThat(rows(tenant).get(2).get("detail")).isEqualTo(
                "{\"path\": \"/api/v1/nothing/here\", \"method\": \"PUT\"}");
    }

    @Test
    void everyMutatingRouteOfTheApiHasANameInTheTable() {
        List<String> routes = new ArrayList<>();
        mapping.getHandlerMethods().keySet().forEach(info -> info.getMethodsCondition().getMethods()
                .forEach(method -> info.getPatternValues().forEach(p -> routes.add(method.name() + " " + p))));

        assertThat(routes).as("the routes were found").contains("POST /api/v1/tasks");
        assertThat(AuditActions.unnamed(routes)).as("add them to AuditActions").isEmpty();
    }
}
