package io.taskstream.ingest.stats;

import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.admission.QueueDepths;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

/**
 * The figures of {@code GET /stats}: a tenant's tasks by status, what finished per minute lately, and
 * the queue depths.
 *
 * <h2>How it works</h2>
 * Two queries per tenant: a count by status ({@code tasks_tenant_status_idx}, an index-only scan whose
 * cost grows with the tenant's number of tasks) and a count of the tasks that finished in the last
 * {@value #MINUTES} minutes by minute and status ({@code tasks_tenant_finished_idx}, V6, a partial index
 * over {@code COMPLETED} and {@code FAILED} only). Their result is kept per tenant for {@code maxAge}
 * ({@code taskstream.ingest.stats-max-age}), so a dashboard polled by many viewers costs the database
 * two queries per tenant per {@code maxAge}. Minutes are UTC minutes of the clock ({@code Clock}), the
 * last one being the current minute so far.
 * <p>
 * The queue depths come from {@link QueueDepths} as they are: global (all tenants share the ready
 * topics), read in the background, never waited for.
 * <p>
 * Every key, the admin key included, sees its own tenant's figures (the API's tenant isolation is
 * strict; the admin key acts for {@code taskstream.ingest.admin-tenant}).
 */
public class TaskStats {

    /** How many minutes {@code perMinute} covers. */
    public static final int MINUTES = 15;
    /** Above this many cached tenants, expired entries are dropped (and if that is not enough, all). */
    static final int MAX_CACHED_TENANTS = 1_000;

    /** The tenant's tasks by status. */
    static final String COUNTS_SQL = "SELECT status, count(*) AS n FROM tasks WHERE tenant_id = ? GROUP BY status";
    /**
     * The tenant's tasks that finished in {@code [?, ?)} and hold that outcome, by minute (number since the
     * epoch: epoch arithmetic involves no session time zone) and status. The statuses are literals, not
     * parameters: the partial index's predicate must be provable from the text, also in a generic plan.
     */
    static final String PER_MINUTE_SQL = """
            SELECT floor(extract(epoch FROM finished_at) / 60)::bigint AS minute, status, count(*) AS n
            FROM tasks
            WHERE tenant_id = ? AND status IN ('COMPLETED', 'FAILED') AND finished_at >= ? AND finished_at < ?
            GROUP BY 1, 2
            """;

    private final JdbcTemplate jdbc;
    private final QueueDepths depths;
    private final Clock clock;
    private final Duration maxAge;
    /** The last reading per tenant; concurrent misses may both read, and the later one wins (harmless). */
    private final Map<String, TenantFigures> cache = new ConcurrentHashMap<>();

    public TaskStats(JdbcTemplate jdbc, QueueDepths depths, Clock clock, Duration maxAge) {
        this.jdbc = jdbc;
        this.depths = depths;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** What the database said about a tenant's tasks at {@code readAt}. */
    private record TenantFigures(Instant readAt, Map<String, Long> countsByStatus, List<StatsView.Minute> perMinute) {
    }

    public StatsView of(String tenantId) {
        TenantFigures figures = figures(tenantId);
        QueueDepths.Snapshot snapshot = depths.current();
        Map<String, Long> queueDepth = new LinkedHashMap<>();
        for (Priority priority : Priority.values()) {
            OptionalLong depth = snapshot.depth(priority);
            queueDepth.put(priority.name(), depth.isPresent() ? depth.getAsLong() : null);
        }
        return new StatsView(tenantId, figures.readAt(), figures.countsByStatus(),
                Collections.unmodifiableMap(queueDepth), snapshot.observedAt(), figures.perMinute());
    }

    private TenantFigures figures(String tenantId) {
        Instant now = clock.instant();
        TenantFigures cached = cache.get(tenantId);
        if (cached != null && now.isBefore(cached.readAt().plus(maxAge))) {
            return cached;
        }
        TenantFigures fresh = new TenantFigures(now, countsByStatus(tenantId), perMinute(tenantId, now));
        if (cache.size() >= MAX_CACHED_TENANTS) {
            cache.values().removeIf(f -> !now.isBefore(f.readAt().plus(maxAge)));
            if (cache.size() >= MAX_CACHED_TENANTS) {
                cache.clear();
            }
        }
        cache.put(tenantId, fresh);
        return fresh;
    }

    private Map<String, Long> countsByStatus(String tenantId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (TaskStatus status : TaskStatus.values()) {
            counts.put(status.name(), 0L);
        }
        jdbc.query(COUNTS_SQL, rs -> {
            counts.put(rs.getString("status"), rs.getLong("n"));
        }, tenantId);
        return Collections.unmodifiableMap(counts);
    }

    private List<StatsView.Minute> perMinute(String tenantId, Instant now) {
        Instant last = now.truncatedTo(ChronoUnit.MINUTES);
        Instant first = last.minus(MINUTES - 1, ChronoUnit.MINUTES);
        // minute number since the epoch → [completed, failed]
        Map<Long, long[]> counts = new HashMap<>();
        jdbc.query(PER_MINUTE_SQL, rs -> {
            long[] pair = counts.computeIfAbsent(rs.getLong("minute"), m -> new long[2]);
            pair[TaskStatus.COMPLETED.name().equals(rs.getString("status")) ? 0 : 1] = rs.getLong("n");
        }, tenantId, timestamp(first), timestamp(last.plus(1, ChronoUnit.MINUTES)));
        List<StatsView.Minute> minutes = new ArrayList<>(MINUTES);
        for (Instant minute = first; !minute.isAfter(last); minute = minute.plus(1, ChronoUnit.MINUTES)) {
            long[] pair = counts.getOrDefault(minute.getEpochSecond() / 60, new long[2]);
            minutes.add(new StatsView.Minute(minute, pair[0], pair[1]));
        }
        return List.copyOf(minutes);
    }
}
