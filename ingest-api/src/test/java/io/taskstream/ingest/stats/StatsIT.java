package io.taskstream.ingest.stats;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.QueryPlans;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.admission.QueueDepths;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.schemas.TaskStatus;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /stats} against real Postgres and Kafka: a tenant's counts by status, what finished per
 * minute, the (global) queue depths; the figures' short cache; index use of both queries.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class StatsIT {

    static final String TENANT = "stats-" + UUID.randomUUID().toString().substring(0, 8);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(StatsIT.class, registry);
        registry.add("taskstream.ingest.admin-tenant", () -> TENANT);
    }

    /** Half a minute into 10:07. */
    private static final Instant NOW = Instant.parse("2026-11-28T10:07:30Z");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    QueueDepths depths;

    TestApi api;
    /** A tenant of each test's own, for the tests that build their own {@link TaskStats}. */
    String tenant;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        tenant = "stats-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void insert(String tenant, TaskStatus status, Instant finishedAt) {
        Instant created = finishedAt == null ? NOW.minusSeconds(3600) : finishedAt.minusSeconds(5);
        jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, created_at, updated_at, finished_at)
                VALUES (?, ?, 'stats.test', 'NORMAL', ?, 3, ?, ?, ?)
                """, UUID.randomUUID(), tenant, status.name(), TaskRepository.timestamp(created),
                TaskRepository.timestamp(finishedAt == null ? created : finishedAt),
                TaskRepository.timestamp(finishedAt));
    }

    private void insert(TaskStatus status, Instant finishedAt) {
        insert(tenant, status, finishedAt);
    }

    private TaskStats stats(MutableClock clock) {
        return new TaskStats(jdbc, depths, clock, Duration.ofSeconds(2));
    }

    @Test
    void countsByStatusNameEveryStatusAndOnlyTheTenantsTasks() {
        insert(TaskStatus.QUEUED, null);
        insert(TaskStatus.QUEUED, null);
        insert(TaskStatus.PROCESSING, null);
        insert(TaskStatus.COMPLETED, NOW.minus(2, ChronoUnit.DAYS));
        insert("other-" + tenant, TaskStatus.QUEUED, null);

        StatsView view = stats(new MutableClock(NOW)).of(tenant);

        assertThat(view.tenantId()).isEqualTo(tenant);
        assertThat(view.generatedAt()).isEqualTo(NOW);
        assertThat(view.countsByStatus()).containsExactly(
                java.util.Map.entry("PENDING", 0L), java.util.Map.entry("SCHEDULED", 0L),
                java.util.Map.entry("QUEUED", 2L), java.util.Map.entry("PROCESSING", 1L),
                java.util.Map.entry("RETRY_SCHEDULED", 0L), java.util.Map.entry("COMPLETED", 1L),
                java.util.Map.entry("FAILED", 0L), java.util.Map.entry("CANCELLED", 0L));
    }

    @Test
    void perMinuteCoversTheLastFifteenMinutesOldestFirstUpToTheCurrentOne() {
        Instant current = NOW.truncatedTo(ChronoUnit.MINUTES);
        Instant first = current.minus(14, ChronoUnit.MINUTES);
        insert(TaskStatus.COMPLETED, current);
        insert(TaskStatus.COMPLETED, NOW);
        insert(TaskStatus.COMPLETED, current.plusSeconds(60).minusNanos(1_000));
        insert(TaskStatus.FAILED, current.minusNanos(1_000));
        insert(TaskStatus.FAILED, first);
        insert(TaskStatus.COMPLETED, first.minusNanos(1_000)); // before the window
        insert(TaskStatus.COMPLETED, current.plusSeconds(60)); // after it (a clock ahead of ours)
        insert(TaskStatus.CANCELLED, NOW); // neither completed nor failed

        List<StatsView.Minute> minutes = stats(new MutableClock(NOW)).of(tenant).perMinute();

        assertThat(minutes).hasSize(TaskStats.MINUTES);
        List<Instant> starts = new ArrayList<>();
        minutes.forEach(m -> starts.add(m.minute()));
        assertThat(starts.getFirst()).isEqualTo(first);
        assertThat(starts.getLast()).isEqualTo(current);
        assertThat(starts).isSorted().doesNotHaveDuplicates();
        assertThat(minutes.getLast()).isEqualTo(new StatsView.Minute(current, 3, 0));
        assertThat(minutes.get(13)).isEqualTo(new StatsView.Minute(current.minusSeconds(60), 0, 1));
        assertThat(minutes.getFirst()).isEqualTo(new StatsView.Minute(first, 0, 1));
        assertThat(minutes.subList(1, 13)).allSatisfy(m -> {
            assertThat(m.completed()).isZero();
            assertThat(m.failed()).isZero();
        });
    }

    @Test
    void aTenantsFiguresAreReadAgainOnlyAfterTheirMaxAge() {
        MutableClock clock = new MutableClock(NOW);
        TaskStats stats = stats(clock);
        insert(TaskStatus.COMPLETED, NOW);
        assertThat(stats.of(tenant).countsByStatus()).containsEntry("COMPLETED", 1L);

        insert(TaskStatus.COMPLETED, NOW);
        clock.advance(Duration.ofMillis(1_999));
        StatsView cached = stats.of(tenant);
        assertThat(cached.countsByStatus()).containsEntry("COMPLETED", 1L);
        assertThat(cached.generatedAt()).isEqualTo(NOW);

        clock.advance(Duration.ofMillis(1));
        StatsView fresh = stats.of(tenant);
        assertThat(fresh.countsByStatus()).containsEntry("COMPLETED", 2L);
        assertThat(fresh.generatedAt()).isEqualTo(NOW.plusSeconds(2));
        assertThat(fresh.perMinute().getLast().completed()).isEqualTo(2);
    }

    @Test
    void theEndpointAnswersTheCallersTenantAndTheGlobalQueueDepths() {
        insert(TENANT, TaskStatus.FAILED, null);

        // the depths are read in the background; no worker group has committed on this class's fresh topics
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> depths.current().known());
        HttpResponse<String> response = api.getAuthorized("/api/v1/stats");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode stats = json(response);
        assertThat(stats.propertyNames()).containsExactly("tenantId", "generatedAt", "countsByStatus", "queueDepth",
                "queueDepthObservedAt", "perMinute");
        assertThat(stats.get("tenantId").asString()).isEqualTo(TENANT);
        assertThat(stats.get("countsByStatus").get("FAILED").asLong()).isEqualTo(1);
        assertThat(stats.get("countsByStatus").propertyNames()).hasSize(TaskStatus.values().length);
        assertThat(stats.get("queueDepth").propertyNames()).containsExactly("CRITICAL", "HIGH", "NORMAL", "LOW");
        stats.get("queueDepth").forEach(depth -> assertThat(depth.asLong()).isZero());
        assertThat(stats.get("queueDepthObservedAt").isNull()).isFalse();
        JsonNode perMinute = stats.get("perMinute");
        assertThat(perMinute).hasSize(TaskStats.MINUTES);
        assertThat(perMinute.get(0).propertyNames()).containsExactly("minute", "completed", "failed");
        assertThat(Instant.parse(perMinute.get(14).get("minute").asString()).minus(14, ChronoUnit.MINUTES))
                .isEqualTo(Instant.parse(perMinute.get(0).get("minute").asString()));
    }

    @Test
    void theEndpointTakesNoParametersAndNeedsAKey() {
        JsonNode problem = assertProblem(api.getAuthorized("/api/v1/stats?tenant=other"), 400, "validation_failed");
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("tenant");
        assertProblem(api.get("/api/v1/stats"), 401, "unauthenticated");
    }

    @Test
    void bothQueriesUseAnIndex() {
        String many = "plan-" + tenant;
        QueryPlans.insertManyTasks(jdbc, many, NOW);
        try {
            // a tenant with 1.5 % of the table (one with most of it is better served by a sequential scan)
            assertThat(QueryPlans.explain(jdbc, TaskStats.COUNTS_SQL, many + "-other-7"))
                    .contains("Index").doesNotContain("Seq Scan");
            assertThat(QueryPlans.explain(jdbc, TaskStats.PER_MINUTE_SQL, many,
                    TaskRepository.timestamp(NOW.minus(15, ChronoUnit.MINUTES)), TaskRepository.timestamp(NOW)))
                    .contains("tasks_tenant_finished_idx").doesNotContain("Seq Scan");
        } finally {
            QueryPlans.removeManyTasks(jdbc, many);
        }
    }
}
