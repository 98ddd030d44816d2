package io.taskstream.ingest.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.taskstream.ingest.IngestApiApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ItSupport;

/** The migrations as Flyway applies them, and the partition maintenance that keeps them healthy. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class SchemaIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(SchemaIT.class, registry);
    }

    @Autowired
    JdbcTemplate jdbc;

    private List<String> partitions() {
        return jdbc.queryForList("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'task_executions'::regclass ORDER BY c.relname
                """, String.class);
    }

    private static String partitionOf(LocalDate month) {
        return String.format("task_executions_%04d_%02d", month.getYear(), month.getMonthValue());
    }

    @Test
    void partitionsFromThisMonthToTwoAheadExistAfterStartUp() {
        LocalDate thisMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(partitions()).contains("task_executions_default", partitionOf(thisMonth),
                        partitionOf(thisMonth.plusMonths(1)), partitionOf(thisMonth.plusMonths(2))));
    }

    @Test
    void maintenanceCreatesComingMonthsAndRescuesRowsFromTheDefaultPartition() {
        Instant future = Instant.parse("2031-05-17T12:00:00Z");
        UUID task = UUID.randomUUID();
        jdbc.update("INSERT INTO task_executions (task_id, tenant_id, attempt, started_at) VALUES (?, 't', 1, ?)",
                task, java.sql.Timestamp.from(future.plus(Duration.ofDays(30))));
        assertThat(partitionHolding(task)).isEqualTo("task_executions_default");

        ExecutionPartitions maintenance = new ExecutionPartitions(jdbc, Clock.fixed(future, ZoneOffset.UTC), 2);

        assertThat(maintenance.ensure()).isEqualTo(3);
        assertThat(maintenance.ensure()).as("idempotent").isZero();
        assertThat(partitions()).contains("task_executions_2031_05", "task_executions_2031_06",
                "task_executions_2031_07");
        assertThat(partitionHolding(task)).isEqualTo("task_executions_2031_06");
    }

    @Test
    void everyPartitionAcceptsADeferredExecutionAndStillRefusesAnUnknownOutcome() {
        UUID task = UUID.randomUUID();
        String insert = "INSERT INTO task_executions (task_id, tenant_id, attempt, started_at, outcome) "
                + "VALUES (?, 't', 1, ?, ?)";
        java.sql.Timestamp thisMonth = java.sql.Timestamp.from(Instant.now());
        java.sql.Timestamp farFuture = java.sql.Timestamp.from(Instant.parse("2040-01-01T00:00:00Z"));

        jdbc.update(insert, task, thisMonth, "DEFERRED");
        jdbc.update(insert, task, farFuture, "DEFERRED");
        ExecutionPartitions later = new ExecutionPartitions(jdbc,
                Clock.fixed(Instant.parse("2039-12-15T00:00:00Z"), ZoneOffset.UTC), 1);
        later.ensure(); // a month created after the migration, with the row moved into it
        jdbc.update(insert, task, java.sql.Timestamp.from(Instant.parse("2040-01-02T00:00:00Z")), "DEFERRED");

        assertThat(jdbc.queryForList("SELECT tableoid::regclass::text FROM task_executions WHERE task_id = ? "
                + "AND started_at < '2045-01-01' ORDER BY started_at", String.class, task)).hasSize(3)
                .contains("task_executions_2040_01").doesNotContain("task_executions_default");
        // (another task id each time: a duplicate key would be refused too, for the wrong reason)
        assertThatThrownBy(() -> jdbc.update(insert, UUID.randomUUID(), thisMonth, "POSTPONED"))
                .hasMessageContaining("task_executions_outcome_check");
        assertThatThrownBy(() -> jdbc.update(insert, UUID.randomUUID(), farFuture, "POSTPONED"))
                .hasMessageContaining("task_executions_outcome_check");
        java.sql.Timestamp inDefaultPartition = java.sql.Timestamp.from(Instant.parse("2045-06-01T00:00:00Z"));
        jdbc.update(insert, task, inDefaultPartition, "DEFERRED");
        assertThatThrownBy(() -> jdbc.update(insert, UUID.randomUUID(), inDefaultPartition, "POSTPONED"))
                .hasMessageContaining("task_executions_outcome_check");
    }

    private String partitionHolding(UUID task) {
        return jdbc.queryForObject("SELECT tableoid::regclass::text FROM task_executions WHERE task_id = ?",
                String.class, task);
    }

    @Test
    void auditLogIsAppendOnly() {
        long before = jdbc.queryForObject("SELECT count(*) FROM audit_log", Long.class);
        jdbc.update("INSERT INTO audit_log (occurred_at, tenant_id, actor, actor_tenant_id, action, outcome) "
                + "VALUES (now(), 't', 'admin', 't', 'key.create', 'ok')");

        assertThatThrownBy(() -> jdbc.update("UPDATE audit_log SET action = 'x'")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM audit_log")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.execute("TRUNCATE audit_log")).hasMessageContaining("append-only");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_log", Long.class)).isEqualTo(before + 1);
    }

    @Test
    void updatedAtFollowsWritesThatDoNotSetIt() {
        UUID id = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO schedules (id, tenant_id, name, cron, task, created_at, updated_at)
                VALUES (?, 't', 'nightly', '0 2 * * *', '{}'::jsonb, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')
                """, id);

        jdbc.update("UPDATE schedules SET enabled = false WHERE id = ?", id);
        Instant touched = jdbc.queryForObject("SELECT updated_at FROM schedules WHERE id = ?",
                java.sql.Timestamp.class, id).toInstant();
        jdbc.update("UPDATE schedules SET enabled = true, updated_at = '2021-01-01T00:00:00Z' WHERE id = ?", id);
        Instant explicit = jdbc.queryForObject("SELECT updated_at FROM schedules WHERE id = ?",
                java.sql.Timestamp.class, id).toInstant();

        assertThat(touched).isAfter(Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(explicit).isEqualTo(Instant.parse("2021-01-01T00:00:00Z"));
    }

    @Test
    void oneIdempotencyKeyPerTenant() {
        String insert = "INSERT INTO tasks (id, tenant_id, status, version, created_at, updated_at, idempotency_key) "
                + "VALUES (?, ?, 'PENDING', 0, now(), now(), 'k')";
        jdbc.update(insert, UUID.randomUUID(), "a");
        jdbc.update(insert, UUID.randomUUID(), "b");

        assertThatThrownBy(() -> jdbc.update(insert, UUID.randomUUID(), "a"))
                .isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
    }

    @Test
    void aDeadLetterBelongsToAnExistingTask() {
        assertThatThrownBy(() -> jdbc.update("INSERT INTO dead_letters (task_id, tenant_id, reason, dead_lettered_at) "
                + "VALUES (?, 't', 'non_retryable', now())", UUID.randomUUID()))
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class);
    }

    @Test
    void aDeadLetterWithoutTypeTakesItFromItsTaskOnceKnown() {
        UUID id = UUID.randomUUID();
        jdbc.update("INSERT INTO tasks (id, tenant_id, status, version, created_at, updated_at) "
                + "VALUES (?, 't', 'FAILED', 0, now(), now())", id);
        jdbc.update("INSERT INTO dead_letters (task_id, tenant_id, reason, dead_lettered_at) "
                + "VALUES (?, 't', 'invalid_record', now())", id);

        jdbc.update("UPDATE tasks SET type = 'report.generate' WHERE id = ?", id);
        jdbc.update("UPDATE tasks SET type = 'changed' WHERE id = ?", id);

        assertThat(jdbc.queryForObject("SELECT type FROM dead_letters WHERE task_id = ?", String.class, id))
                .as("filled once, never overwritten").isEqualTo("report.generate");
    }

    @Test
    void theDeadLetterListingIsAKeysetRangeScanOfItsIndex() {
        List<String> plan = jdbc.execute((java.sql.Connection con) -> {
            try (var statement = con.createStatement()) {
                statement.execute("SET enable_seqscan = off");
                List<String> lines = new java.util.ArrayList<>();
                try (var rs = statement.executeQuery("""
                        EXPLAIN SELECT d.task_id FROM dead_letters d
                        WHERE d.tenant_id = 't' AND d.purged_at IS NULL AND d.replayed_at IS NULL
                          AND (d.dead_lettered_at, d.task_id) < ('2026-11-28T10:00:00Z'::timestamptz,
                                                                 '0193a8f0-0000-7000-8000-000000000001'::uuid)
                        ORDER BY d.dead_lettered_at DESC, d.task_id DESC LIMIT 51
                        """)) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
                statement.execute("RESET enable_seqscan");
                return lines;
            }
        });

        assertThat(String.join("\n", plan)).contains("dead_letters_tenant_time_idx").doesNotContain("Sort")
                .containsPattern("Index Cond: .*ROW\\(dead_lettered_at, task_id\\) <");
    }
}
