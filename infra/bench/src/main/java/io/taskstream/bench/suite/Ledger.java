package io.taskstream.bench.suite;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;

import io.taskstream.bench.report.BenchReport.Point;

/**
 * What the PostgreSQL projection says happened to a run's tasks — the run's source of truth, since a task
 * counts only once it is durably {@code COMPLETED} there. Each scenario submits under tenants of its own, so
 * every query is one tenant's. Latencies come from the timestamps each task records ({@code createdAt},
 * {@code runAt}, {@code startedAt}, {@code finishedAt}; one machine, one clock) into HdrHistograms.
 */
final class Ledger implements AutoCloseable {

    private final Connection connection;

    Ledger(String jdbcUrl, String user, String password) throws SQLException {
        this.connection = DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** Tasks of the tenant in a terminal status. */
    long terminal(String tenant) throws SQLException {
        return count("SELECT count(*) FROM tasks WHERE tenant_id = ? AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')",
                tenant);
    }

    long completed(String tenant) throws SQLException {
        return count("SELECT count(*) FROM tasks WHERE tenant_id = ? AND status = 'COMPLETED'", tenant);
    }

    /** Tasks of the tenant the projection knows, whatever their status. */
    long known(String tenant) throws SQLException {
        return count("SELECT count(*) FROM tasks WHERE tenant_id = ?", tenant);
    }

    /** Tasks of the tenant that ran more than once (more than one execution row). */
    long duplicated(String tenant) throws SQLException {
        return count("SELECT count(*) FROM (SELECT task_id FROM task_executions WHERE tenant_id = ? "
                + "GROUP BY task_id HAVING count(*) > 1) d", tenant);
    }

    /** Tasks of the tenant that finished in {@code [from, to)}. */
    long completedBetween(String tenant, Instant from, Instant to) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT count(*) FROM tasks WHERE tenant_id = ? "
                + "AND finished_at >= ? AND finished_at < ? AND status = 'COMPLETED'")) {
            query.setString(1, tenant);
            query.setTimestamp(2, Timestamp.from(from));
            query.setTimestamp(3, Timestamp.from(to));
            return single(query);
        }
    }

    /**
     * Start latency of the tenant's tasks created at or after {@code from}: handler start − due time, where
     * due is {@code runAt} or, for a task to run at once, its acceptance ({@code createdAt}). A task that
     * started before it was due is counted in {@code early} (the contract says never) and recorded as 0.
     */
    StartLatency startLatency(String tenant, Instant from) throws SQLException {
        Histogram micros = new Histogram(3_600_000_000L, 3);
        long early = 0;
        try (PreparedStatement query = connection.prepareStatement("SELECT (extract(epoch FROM started_at - "
                + "greatest(run_at, created_at)) * 1000000)::bigint FROM tasks WHERE tenant_id = ? AND created_at >= ? "
                + "AND started_at IS NOT NULL")) {
            query.setFetchSize(10_000);
            query.setString(1, tenant);
            query.setTimestamp(2, Timestamp.from(from));
            connection.setAutoCommit(false); // a fetch size streams only inside a transaction
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long value = rows.getLong(1);
                    if (value < 0) {
                        early++;
                    }
                    micros.recordValue(Math.min(Math.max(0, value), micros.getHighestTrackableValue()));
                }
            } finally {
                connection.commit();
                connection.setAutoCommit(true);
            }
        }
        return new StartLatency(micros, early);
    }

    record StartLatency(Histogram micros, long early) {
    }

    /** Completions of the tenant per second, {@code t} in seconds since {@code origin}. */
    List<Point> completionsPerSecond(String tenant, Instant origin) throws SQLException {
        List<Point> points = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT floor(extract(epoch FROM finished_at)), "
                + "count(*) FROM tasks WHERE tenant_id = ? AND status = 'COMPLETED' GROUP BY 1 ORDER BY 1")) {
            query.setString(1, tenant);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    points.add(new Point(rows.getLong(1) - origin.getEpochSecond(), rows.getLong(2)));
                }
            }
        }
        return points;
    }

    /**
     * Waits until {@code expected} tasks of the tenant are terminal, or {@code timeout} passes; answers how
     * many are.
     */
    long awaitTerminal(String tenant, long expected, Duration timeout) throws SQLException, InterruptedException {
        return await(() -> terminal(tenant), expected, timeout);
    }

    /** Waits until the projection knows {@code expected} tasks of the tenant (any status), or the timeout. */
    long awaitKnown(String tenant, long expected, Duration timeout) throws SQLException, InterruptedException {
        return await(() -> known(tenant), expected, timeout);
    }

    private interface Count {
        long get() throws SQLException;
    }

    /** Polls twice a second: it reads a database another process writes, nothing to be told by. */
    private static long await(Count count, long expected, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = count.get();
        while (seen < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
            seen = count.get();
        }
        return seen;
    }

    private long count(String sql, String tenant) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, tenant);
            return single(query);
        }
    }

    private static long single(PreparedStatement query) throws SQLException {
        try (ResultSet rows = query.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
