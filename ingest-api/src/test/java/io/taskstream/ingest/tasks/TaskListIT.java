package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
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

import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.QueryPlans;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /tasks} against real Postgres (and Kafka, for the submissions racing a listing): newest
 * first, keyset pages that stay stable while tasks keep arriving, every filter, every 400, and query
 * plans that use the indexes. The admin key acts for a tenant of this class alone, so the listing sees
 * only this class's tasks even on a database shared with other test classes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class TaskListIT {

    static final String TENANT = "list-" + UUID.randomUUID().toString().substring(0, 8);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(TaskListIT.class, registry);
        registry.add("taskstream.ingest.admin-tenant", () -> TENANT);
    }

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    TestApi api;
    /** Labels each test's rows with its own run id, so that tests of one class do not see each other's rows. */
    String run;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    /** A task row as the projection leaves it, with a payload that the listing must not show. */
    private String insert(String tenant, Instant createdAt, TaskStatus status, String type, Priority priority,
            Map<String, String> labels) {
        UUID id = UUID.randomUUID();
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put("run", run);
        jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, created_at, updated_at, labels,
                                   payload)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?::jsonb, '{"secret": true}'::jsonb)
                """, id, tenant, type, priority.name(), status.name(), TaskRepository.timestamp(createdAt),
                TaskRepository.timestamp(createdAt), io.taskstream.schemas.Json.mapper().writeValueAsString(all));
        return id.toString();
    }

    private String insert(Instant createdAt, TaskStatus status, String type, Priority priority, String... labels) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return insert(TENANT, createdAt, status, type, priority, map);
    }

    private String insert(Instant createdAt) {
        return insert(createdAt, TaskStatus.QUEUED, "list.test", Priority.NORMAL);
    }

    private JsonNode list(String query) {
        HttpResponse<String> response = api.getAuthorized("/api/v1/tasks" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    /** This test's tasks matching {@code filters} (a query string without {@code ?}), every page followed. */
    private List<String> listed(String filters, int limit) {
        String base = "?label=run:" + run + (filters.isEmpty() ? "" : "&" + filters) + "&limit=" + limit;
        List<String> seen = new ArrayList<>();
        JsonNode page = list(base);
        while (true) {
            seen.addAll(ids(page));
            if (page.get("nextCursor").isNull()) {
                return seen;
            }
            page = list(base + "&cursor=" + URLEncoder.encode(page.get("nextCursor").asString(), StandardCharsets.UTF_8));
        }
    }

    private List<String> listed(String filters) {
        return listed(filters, 500);
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    /** Newest first as Postgres orders them: created_at, then the uuid as unsigned bytes (= its hex text). */
    private static final Comparator<Map.Entry<String, Instant>> NEWEST_FIRST =
            Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()).reversed();

    @Test
    void tasksAreListedNewestFirstWithoutPayload() {
        String old = insert(T0);
        String newer = insert(T0.plusSeconds(1));
        String newest = insert(T0.plusSeconds(2));

        JsonNode page = list("?label=run:" + run);

        assertThat(ids(page)).containsExactly(newest, newer, old);
        assertThat(page.get("nextCursor").isNull()).isTrue();
        JsonNode item = page.get("items").get(0);
        assertThat(item.has("payload")).isFalse();
        assertThat(item.get("tenantId").asString()).isEqualTo(TENANT);
        assertThat(item.get("status").asString()).isEqualTo("QUEUED");
        assertThat(item.get("labels").get("run").asString()).isEqualTo(run);
    }

    @Test
    void pagesFollowTheCursorWithTiesBrokenByIdWithoutGapsOrRepeats() {
        Map<String, Instant> created = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            Instant at = T0.plusSeconds(i / 3); // three tasks per instant
            created.put(insert(at), at);
        }
        List<String> expected = created.entrySet().stream().sorted(NEWEST_FIRST).map(Map.Entry::getKey).toList();

        JsonNode first = list("?label=run:" + run + "&limit=5");
        assertThat(first.get("items")).hasSize(5);
        assertThat(first.get("nextCursor").asString()).matches("[A-Za-z0-9_-]+");

        assertThat(listed("", 5)).isEqualTo(expected);
        assertThat(listed("", 4)).as("a page ending exactly at the end").isEqualTo(expected);
        assertThat(listed("", 12)).isEqualTo(expected);
    }

    /**
     * The promise of keyset pagination: while other tasks keep arriving — new submissions, and rows of
     * earlier tasks the projection writes late — every task that existed before the first page is
     * listed exactly once.
     */
    @Test
    void paginationIsStableWhileTasksKeepArriving() throws Exception {
        for (int i = 0; i < 60; i++) {
            insert(Instant.now().minusSeconds(600).plusSeconds(i / 4)); // ties: four tasks per instant
        }
        Set<String> before = new HashSet<>(jdbc.queryForList("SELECT id::text FROM tasks WHERE tenant_id = ?",
                String.class, TENANT));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger arrivals = new AtomicInteger();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writing = writer.submit(() -> {
            while (!stop.get()) {
                HttpResponse<String> accepted = api.submit("{\"type\": \"list.race\", \"payload\": {}}");
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                // a task of the last ten minutes whose row the projection writes only now
                insert(Instant.now().minusMillis(ThreadLocalRandom.current().nextLong(600_000)));
                arrivals.incrementAndGet();
            }
            return null;
        });
        try {
            List<String> seen = new ArrayList<>();
            JsonNode page = list("?limit=7");
            int pages = 1;
            while (true) {
                seen.addAll(ids(page));
                if (page.get("nextCursor").isNull()) {
                    break;
                }
                int arrived = arrivals.get();
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> arrivals.get() > arrived);
                page = list("?limit=7&cursor=" + page.get("nextCursor").asString());
                pages++;
            }
            stop.set(true);
            writing.get(30, TimeUnit.SECONDS);

            assertThat(pages).isGreaterThan(8);
            assertThat(arrivals.get()).as("tasks arrived between every two pages").isGreaterThanOrEqualTo(pages - 1);
            assertThat(seen).as("no task twice").doesNotHaveDuplicates();
            assertThat(seen).as("every task that existed before the first page").containsAll(before);
        } finally {
            stop.set(true);
            writer.shutdownNow();
        }
    }

    @Test
    void statusTypeAndPriorityTakeOneValueOrSeveral() {
        String queuedLow = insert(T0, TaskStatus.QUEUED, "a.type", Priority.LOW);
        String failedHigh = insert(T0.plusSeconds(1), TaskStatus.FAILED, "b.type", Priority.HIGH);
        String completedCritical = insert(T0.plusSeconds(2), TaskStatus.COMPLETED, "a.type", Priority.CRITICAL);
        String pendingNormal = insert(T0.plusSeconds(3), TaskStatus.PENDING, "c.type", Priority.NORMAL);

        assertThat(listed("status=FAILED")).containsExactly(failedHigh);
        assertThat(listed("status=QUEUED,COMPLETED")).containsExactly(completedCritical, queuedLow);
        assertThat(listed("status=QUEUED&status=PENDING")).containsExactly(pendingNormal, queuedLow);
        assertThat(listed("type=a.type")).containsExactly(completedCritical, queuedLow);
        assertThat(listed("type=b.type,c.type")).containsExactly(pendingNormal, failedHigh);
        assertThat(listed("priority=CRITICAL")).containsExactly(completedCritical);
        assertThat(listed("priority=HIGH,LOW")).containsExactly(failedHigh, queuedLow);
        assertThat(listed("status=QUEUED,COMPLETED&type=a.type&priority=LOW")).as("filters narrow each other")
                .containsExactly(queuedLow);
        assertThat(listed("status=CANCELLED")).isEmpty();
    }

    @Test
    void everyLabelGivenMustMatch() {
        String billingEu = insert(T0, TaskStatus.QUEUED, "l.type", Priority.NORMAL, "team", "billing", "region", "eu");
        String billingUs = insert(T0.plusSeconds(1), TaskStatus.QUEUED, "l.type", Priority.NORMAL, "team", "billing",
                "region", "us");
        insert(T0.plusSeconds(2), TaskStatus.QUEUED, "l.type", Priority.NORMAL, "team", "search", "region", "eu");
        String withColon = insert(T0.plusSeconds(3), TaskStatus.QUEUED, "l.type", Priority.NORMAL, "url",
                "http://x:80");

        assertThat(listed("label=team:billing")).containsExactly(billingUs, billingEu);
        assertThat(listed("label=team:billing&label=region:eu")).containsExactly(billingEu);
        assertThat(listed("label=team:nobody")).isEmpty();
        assertThat(listed("label=url:http://x:80")).containsExactly(withColon);
    }

    @Test
    void createdAfterIsInclusiveAndCreatedBeforeExclusive() {
        String at0 = insert(T0);
        String at1 = insert(T0.plusSeconds(1));
        String at2 = insert(T0.plusSeconds(2));

        assertThat(listed("createdAfter=" + T0.plusSeconds(1))).containsExactly(at2, at1);
        assertThat(listed("createdBefore=" + T0.plusSeconds(1))).containsExactly(at0);
        assertThat(listed("createdAfter=" + T0 + "&createdBefore=" + T0.plusSeconds(2))).containsExactly(at1, at0);
        assertThat(listed("createdAfter=2026-11-28T11:00:01%2B01:00")).as("an offset, + encoded")
                .containsExactly(at2, at1);
    }

    @Test
    void filtersHoldAcrossPages() {
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = insert(T0.plusSeconds(i), i % 2 == 0 ? TaskStatus.FAILED : TaskStatus.COMPLETED, "p.type",
                    Priority.NORMAL);
            if (i % 2 == 0) {
                failed.addFirst(id);
            }
        }

        assertThat(listed("status=FAILED", 2)).isEqualTo(failed);
    }

    @Test
    void anotherTenantsTasksAreNeverListed() {
        String mine = insert(T0);
        insert("other-" + run, T0.plusSeconds(1), TaskStatus.QUEUED, "list.test", Priority.NORMAL, Map.of());

        assertThat(listed("")).containsExactly(mine);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "?status=queued; status",
            "?status=QUEUED,DONE; status",
            "?type=Not_A_Type; type",
            "?priority=URGENT; priority",
            "?label=team; label",
            "?label=team:a&label=team:b; label",
            "?createdAfter=yesterday; createdAfter",
            "?createdBefore=2026-11-28; createdBefore",
            "?createdAfter=2026-11-28T10:00:00Z&createdBefore=2026-11-28T09:00:00Z; createdBefore",
            "?limit=0; limit",
            "?limit=501; limit",
            "?limit=ten; limit",
            "?limit=5&limit=6; limit",
            "?cursor=bm90LWEtY3Vyc29y; cursor",
            "?include=payload; include",
            "?colour=red; colour"})
    void aBadParameterIsAValidationErrorNamingIt(String query, String field) {
        JsonNode problem = assertProblem(api.getAuthorized("/api/v1/tasks" + query), 400, "validation_failed");

        assertThat(problem.get("errors")).singleElement()
                .satisfies(e -> assertThat(e.get("field").asString()).isEqualTo(field));
    }

    @Test
    void aCursorOnlyWorksForTheQueryThatHandedItOut() {
        insert(T0);
        insert(T0.plusSeconds(1));
        String cursor = list("?label=run:" + run + "&status=QUEUED&limit=1").get("nextCursor").asString();

        assertThat(list("?label=run:" + run + "&status=QUEUED&limit=1&cursor=" + cursor).get("items")).hasSize(1);
        assertThat(list("?status=QUEUED&label=run:" + run + "&limit=50&cursor=" + cursor).get("items"))
                .as("parameter order and page size do not matter").hasSize(1);
        assertProblem(api.getAuthorized("/api/v1/tasks?label=run:" + run + "&status=FAILED&cursor=" + cursor), 400,
                "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/tasks?cursor=" + cursor), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/dlq?cursor=" + cursor), 400, "validation_failed");
        String tampered = cursor.substring(0, cursor.length() - 2) + (cursor.endsWith("A") ? "B" : "A") + "A";
        assertProblem(api.getAuthorized("/api/v1/tasks?label=run:" + run + "&status=QUEUED&cursor=" + tampered), 400,
                "validation_failed");
    }

    @Test
    void listingNeedsAKey() {
        assertProblem(api.get("/api/v1/tasks"), 401, "unauthenticated");
    }

    /**
     * The common listings are keyset range scans of an index, in index order (no sort), on a table the
     * planner knows to be large: a tenant with many tasks among many tenants.
     */
    @Test
    void theCommonQueriesUseAnIndex() {
        String tenant = "plan-" + run;
        QueryPlans.insertManyTasks(jdbc, tenant, T0);
        try {
            KeysetCursor after = new KeysetCursor(T0.minusSeconds(100), UUID.randomUUID());

            assertThat(plan(TaskQuery.parse(tenant, Map.of()).withAfter(after))).contains("tasks_tenant_created_idx")
                    .doesNotContain("Sort").containsPattern("Index Cond: .*ROW\\(created_at, id\\) <");
            assertThat(plan(tenant, "status", "FAILED")).contains("tasks_tenant_status_idx").doesNotContain("Sort");
            assertThat(plan(tenant, "type", "type.4")).contains("tasks_tenant_type_idx").doesNotContain("Sort");
            assertThat(plan(tenant, "priority", "CRITICAL")).contains("tasks_tenant_priority_idx")
                    .doesNotContain("Sort");
            assertThat(plan(tenant, "status", "FAILED,COMPLETED")).contains("Index").doesNotContain("Seq Scan");
            assertThat(plan(tenant, "label", "team:team-4")).contains("Index").doesNotContain("Seq Scan");
            assertThat(plan(tenant, "scheduleId", UUID.randomUUID().toString())).contains("tasks_schedule_idx")
                    .doesNotContain("Seq Scan");
        } finally {
            QueryPlans.removeManyTasks(jdbc, tenant);
        }
    }

    private String plan(String tenant, String filter, String value) {
        return plan(TaskQuery.parse(tenant, Map.of(filter, List.of(value))));
    }

    /** The plan of the listing's own statement ({@link TaskRepository#pageSql}). */
    private String plan(TaskQuery query) {
        TaskRepository.Sql sql = TaskRepository.pageSql(query);
        return QueryPlans.explain(jdbc, sql.text(), sql.args());
    }
}
