package io.taskstream.ingest;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * For tests that check a query's plan: a {@code tasks} table large enough that the planner prefers
 * indexes for what indexes serve well, and the plan of a parameterised statement.
 */
public final class QueryPlans {

    private QueryPlans() {
    }

    /**
     * Inserts 20,000 tasks, a quarter of them {@code tenant}'s and the rest spread over 50 other tenants
     * ({@code <tenant>-other-<n>}), of 20 types ({@code type.<n>}), every priority and five statuses, one a
     * second back from {@code until} (also their {@code finished_at}), labelled {@code team: team-<n>}; then
     * vacuums and analyzes the table. {@link #removeManyTasks} takes them away again.
     */
    public static void insertManyTasks(JdbcTemplate jdbc, String tenant, Instant until) {
        OffsetDateTime end = OffsetDateTime.ofInstant(until, ZoneOffset.UTC);
        jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, created_at, updated_at, labels,
                                   finished_at)
                SELECT gen_random_uuid(), CASE WHEN i % 4 = 0 THEN ? ELSE ? || '-other-' || (i % 50) END,
                       'type.' || (i % 20), (ARRAY['CRITICAL','HIGH','NORMAL','LOW'])[1 + i % 4],
                       (ARRAY['QUEUED','COMPLETED','FAILED','PROCESSING','PENDING'])[1 + i % 5], 1,
                       ? - make_interval(secs => i), ? - make_interval(secs => i),
                       jsonb_build_object('team', 'team-' || (i % 30)), ? - make_interval(secs => i)
                FROM generate_series(1, 20000) AS i
                """, tenant, tenant, end, end, end);
        // VACUUM too: it sets the visibility map, without which the planner never expects an index-only scan
        jdbc.execute("VACUUM ANALYZE tasks");
    }

    public static void removeManyTasks(JdbcTemplate jdbc, String tenant) {
        jdbc.update("DELETE FROM tasks WHERE tenant_id = ? OR tenant_id LIKE ?", tenant, tenant + "-other-%");
    }

    /** The plan ({@code EXPLAIN}) of {@code sql} with these arguments, one line per plan line. */
    public static String explain(JdbcTemplate jdbc, String sql, Object... args) {
        return jdbc.execute((ConnectionCallback<String>) con -> {
            try (PreparedStatement statement = con.prepareStatement("EXPLAIN " + sql)) {
                for (int i = 0; i < args.length; i++) {
                    statement.setObject(i + 1, args[i]);
                }
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                return plan.toString();
            }
        });
    }
}
