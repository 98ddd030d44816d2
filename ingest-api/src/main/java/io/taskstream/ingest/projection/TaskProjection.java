package io.taskstream.ingest.projection;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.sql.SqlArrays;
import io.taskstream.schemas.TaskEvent;

/**
 * Applies {@link TaskEvent}s to Postgres: the {@code tasks} row of each task and the
 * {@code task_executions} row of each attempt. This is what every status query reads.
 *
 * <h2>How a batch is applied</h2>
 * All events of one poll go into one database transaction. Each table gets multi-row upserts
 * ({@code INSERT … SELECT FROM unnest(arrays) ON CONFLICT … DO UPDATE}): one statement whatever the
 * batch size, with the same SQL text every time (so Postgres plans it once). A row may be touched only
 * once per statement, so when a poll holds several events of the same task (a fast task's
 * {@code QUEUED}, {@code PROCESSING} and {@code COMPLETED} often arrive together) they are applied in
 * rounds, in version order: round <i>k</i> holds the <i>k</i>-th event of every task. Attempts are
 * merged in memory instead, since their columns only ever fill.
 *
 * <h2>Why status never moves backwards</h2>
 * Every event carries the task's version (docs/wire-conventions.md). An event changes the task's
 * status, attempts, {@code updatedAt} (the event's time) and {@code finishedAt} only if its version is
 * higher than the row's, so replays and out-of-order arrival never move them backwards. The other
 * columns end the same whatever order the events come in:
 * <ul>
 *   <li>priority, max attempts, {@code runAt}, result and last error take the value of a newer
 *       event that carries one; an older event only fills them while they are still unknown;</li>
 *   <li>descriptive, immutable ones ({@code type}, {@code payload}, {@code labels}, {@code createdAt} …)
 *       are written by whichever event first carries them — so a row created by a status-only event
 *       that overtook the admission event is completed when that one arrives, though its version is
 *       lower;</li>
 *   <li>{@code startedAt} is the earliest start seen (the first attempt's);</li>
 *   <li>an idempotency key already held by another task of the tenant is not copied (the API's
 *       unique index must never make a batch fail).</li>
 * </ul>
 * A row belongs to the tenant of the first event that wrote it: an event naming the same task id for
 * another tenant changes nothing (tasks and executions alike), so no record of one tenant — a direct
 * producer's made-up id, say — can alter what another tenant reads.
 *
 * <h2>Progress</h2>
 * A progress event is the attempt's {@code PROCESSING} event again (same version) with
 * {@code progress}. An event the version rule applies sets the progress columns to what it carries:
 * a progress event's report (it stands in for a lost {@code PROCESSING} event), nothing for any other
 * event — so a new attempt starts without progress and a task that left {@code PROCESSING} shows none.
 * Besides, a progress event at the row's own version, while the row is {@code PROCESSING}, sets
 * them if its report is newer than the one held ({@code progress_at}); nothing else of the row
 * changes. Once a later event moved the row on, a late or replayed progress event matches neither
 * rule. Progress events of one attempt share a version, so several in one batch go to successive
 * rounds like any events of one task.
 *
 * <h2>Failures</h2>
 * A constraint violation in a batch (a value the table does not accept) rolls it back and the events
 * are applied one by one, each in its own transaction ({@code taskstream.projection.fallbacks}); one
 * that still fails is logged, counted ({@code taskstream.projection.events{outcome=rejected}}) and
 * skipped so it cannot block the partition. Any other failure (the database is down) propagates: the listener container retries the
 * batch with backoff, and offsets are committed only after a transaction committed.
 */
public class TaskProjection {

    private static final Logger log = LoggerFactory.getLogger(TaskProjection.class);

    /** A progress event at the row's version, newer than the progress the row holds (class comment). */
    static final String NEWER_PROGRESS_AT_SAME_VERSION = """
            (t.version = EXCLUDED.version AND t.status = 'PROCESSING' AND EXCLUDED.status = 'PROCESSING'
                AND EXCLUDED.progress_at IS NOT NULL AND (t.progress_at IS NULL OR EXCLUDED.progress_at > t.progress_at))""";

    static final String UPSERT_TASKS = """
            INSERT INTO tasks AS t (id, tenant_id, version, status, updated_at, type, priority, attempts, max_attempts,
                                    run_at, created_at, labels, ordering_key, schedule_id, idempotency_key, payload,
                                    result, last_error, started_at, finished_at, progress_percent, progress_message,
                                    progress_at)
            SELECT v.id, v.tenant_id, v.version, v.status, v.updated_at, v.type, v.priority, v.attempts, v.max_attempts,
                   v.run_at, v.created_at, COALESCE(v.labels, '{}'::jsonb), v.ordering_key, v.schedule_id,
                   CASE WHEN EXISTS (SELECT 1 FROM tasks o
                                     WHERE o.tenant_id = v.tenant_id AND o.idempotency_key = v.idempotency_key
                                       AND o.id <> v.id)
                        THEN NULL ELSE v.idempotency_key END,
                   v.payload, v.result, v.last_error, v.started_at, v.finished_at, v.progress_percent,
                   v.progress_message, v.progress_at
            FROM unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[], ?::timestamptz[], ?::text[], ?::text[],
                        ?::integer[], ?::integer[], ?::timestamptz[], ?::timestamptz[], ?::jsonb[], ?::text[],
                        ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::timestamptz[], ?::timestamptz[],
                        ?::integer[], ?::text[], ?::timestamptz[])
                 AS v(id, tenant_id, version, status, updated_at, type, priority, attempts, max_attempts, run_at,
                      created_at, labels, ordering_key, schedule_id, idempotency_key, payload, result, last_error,
                      started_at, finished_at, progress_percent, progress_message, progress_at)
            ON CONFLICT (id) DO UPDATE SET
                version      = GREATEST(t.version, EXCLUDED.version),
                status       = CASE WHEN t.version < EXCLUDED.version THEN EXCLUDED.status ELSE t.status END,
                updated_at   = CASE WHEN t.version < EXCLUDED.version THEN EXCLUDED.updated_at ELSE t.updated_at END,
                attempts     = CASE WHEN t.version < EXCLUDED.version THEN EXCLUDED.attempts ELSE t.attempts END,
                finished_at  = CASE WHEN t.version < EXCLUDED.version THEN EXCLUDED.finished_at ELSE t.finished_at END,
                priority     = CASE WHEN t.version < EXCLUDED.version
                                    THEN COALESCE(EXCLUDED.priority, t.priority) ELSE COALESCE(t.priority, EXCLUDED.priority) END,
                max_attempts = CASE WHEN t.version < EXCLUDED.version
                                    THEN COALESCE(EXCLUDED.max_attempts, t.max_attempts)
                                    ELSE COALESCE(t.max_attempts, EXCLUDED.max_attempts) END,
                run_at       = CASE WHEN t.version < EXCLUDED.version
                                    THEN COALESCE(EXCLUDED.run_at, t.run_at) ELSE COALESCE(t.run_at, EXCLUDED.run_at) END,
                result       = CASE WHEN t.version < EXCLUDED.version
                                    THEN COALESCE(EXCLUDED.result, t.result) ELSE COALESCE(t.result, EXCLUDED.result) END,
                last_error   = CASE WHEN t.version < EXCLUDED.version
                                    THEN COALESCE(EXCLUDED.last_error, t.last_error)
                                    ELSE COALESCE(t.last_error, EXCLUDED.last_error) END,
                started_at   = LEAST(t.started_at, EXCLUDED.started_at),
                type         = COALESCE(t.type, EXCLUDED.type),
                created_at   = CASE WHEN t.type IS NULL AND EXCLUDED.type IS NOT NULL
                                    THEN EXCLUDED.created_at ELSE t.created_at END,
                labels       = CASE WHEN t.type IS NULL AND EXCLUDED.type IS NOT NULL
                                    THEN EXCLUDED.labels ELSE t.labels END,
                ordering_key = COALESCE(t.ordering_key, EXCLUDED.ordering_key),
                schedule_id  = COALESCE(t.schedule_id, EXCLUDED.schedule_id),
                idempotency_key = COALESCE(t.idempotency_key, EXCLUDED.idempotency_key),
                payload      = COALESCE(t.payload, EXCLUDED.payload),
                progress_percent = CASE WHEN t.version < EXCLUDED.version OR NEWER_PROGRESS_AT_SAME_VERSION
                                        THEN EXCLUDED.progress_percent ELSE t.progress_percent END,
                progress_message = CASE WHEN t.version < EXCLUDED.version OR NEWER_PROGRESS_AT_SAME_VERSION
                                        THEN EXCLUDED.progress_message ELSE t.progress_message END,
                progress_at      = CASE WHEN t.version < EXCLUDED.version OR NEWER_PROGRESS_AT_SAME_VERSION
                                        THEN EXCLUDED.progress_at ELSE t.progress_at END
            WHERE t.tenant_id = EXCLUDED.tenant_id AND (t.version < EXCLUDED.version
               OR NEWER_PROGRESS_AT_SAME_VERSION
               OR (t.type IS NULL AND EXCLUDED.type IS NOT NULL)
               OR (t.priority IS NULL AND EXCLUDED.priority IS NOT NULL)
               OR (t.max_attempts IS NULL AND EXCLUDED.max_attempts IS NOT NULL)
               OR (t.run_at IS NULL AND EXCLUDED.run_at IS NOT NULL)
               OR (t.result IS NULL AND EXCLUDED.result IS NOT NULL)
               OR (t.last_error IS NULL AND EXCLUDED.last_error IS NOT NULL)
               OR (EXCLUDED.started_at IS NOT NULL AND (t.started_at IS NULL OR EXCLUDED.started_at < t.started_at)))
            """.replace("NEWER_PROGRESS_AT_SAME_VERSION", NEWER_PROGRESS_AT_SAME_VERSION);

    static final String UPSERT_EXECUTIONS = """
            INSERT INTO task_executions AS e (task_id, tenant_id, attempt, started_at, worker_id, finished_at, outcome,
                                              error, duration_ms)
            SELECT * FROM unnest(?::uuid[], ?::text[], ?::integer[], ?::timestamptz[], ?::text[], ?::timestamptz[],
                                 ?::text[], ?::jsonb[], ?::bigint[])
            ON CONFLICT (task_id, attempt, started_at) DO UPDATE SET
                worker_id   = COALESCE(EXCLUDED.worker_id, e.worker_id),
                finished_at = COALESCE(EXCLUDED.finished_at, e.finished_at),
                outcome     = COALESCE(EXCLUDED.outcome, e.outcome),
                error       = COALESCE(EXCLUDED.error, e.error),
                duration_ms = COALESCE(EXCLUDED.duration_ms, e.duration_ms)
            WHERE e.tenant_id = EXCLUDED.tenant_id
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Counter applied;
    private final Counter rejected;
    private final Counter fallbacks;

    public TaskProjection(JdbcTemplate jdbc, TransactionTemplate transactions, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.applied = counter(meters, "applied");
        this.rejected = counter(meters, "rejected");
        this.fallbacks = Counter.builder("taskstream.projection.fallbacks")
                .description("Batches applied event by event after a constraint violation")
                .register(meters);
    }

    static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("taskstream.projection.events")
                .description("Task events handled by the projection, by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Applies a batch of events in one transaction (see the class comment for failures). */
    public void apply(List<TaskEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            transactions.executeWithoutResult(status -> write(events));
            applied.increment(events.size());
        } catch (DataIntegrityViolationException e) {
            fallbacks.increment();
            log.warn("a batch of {} events violates a constraint ({}); applying them one by one", events.size(),
                    e.getMostSpecificCause().getMessage());
            for (TaskEvent event : events) {
                applyAlone(event);
            }
        }
    }

    private void applyAlone(TaskEvent event) {
        try {
            transactions.executeWithoutResult(status -> write(List.of(event)));
            applied.increment();
        } catch (DataIntegrityViolationException e) {
            rejected.increment();
            log.error("skipping event v{} of task {} ({}): {}", event.version(), event.taskId(), event.status(),
                    e.getMostSpecificCause().getMessage());
        }
    }

    private void write(List<TaskEvent> events) {
        for (List<ProjectedTask> round : rounds(events)) {
            upsertTasks(round);
        }
        List<ProjectedExecution> executions = executions(events);
        if (!executions.isEmpty()) {
            upsertExecutions(executions);
        }
    }

    /**
     * The order in which a statement writes task rows: by id, as the API's read-your-writes inserts do
     * ({@code TaskRepository#insertPending}). Two transactions that lock rows in one order cannot
     * deadlock; in arrival order they did, under load, and Postgres broke the tie after a second.
     */
    public static final Comparator<ProjectedTask> LOCK_ORDER = Comparator.comparing(ProjectedTask::id);

    /**
     * Round k holds the k-th event (in version order) of every task in the batch. Within a round,
     * an idempotency key claimed by several tasks of a tenant stays with the first (the statement's
     * existence check cannot see rows of the same statement).
     */
    static List<List<ProjectedTask>> rounds(List<TaskEvent> events) {
        Map<UUID, List<ProjectedTask>> byTask = new LinkedHashMap<>();
        for (TaskEvent event : events) {
            byTask.computeIfAbsent(event.taskId(), id -> new ArrayList<>()).add(ProjectedTask.of(event));
        }
        List<List<ProjectedTask>> rounds = new ArrayList<>();
        for (List<ProjectedTask> ofTask : byTask.values()) {
            ofTask.sort(Comparator.comparingLong(ProjectedTask::version));
            for (int k = 0; k < ofTask.size(); k++) {
                if (rounds.size() == k) {
                    rounds.add(new ArrayList<>());
                }
                rounds.get(k).add(ofTask.get(k));
            }
        }
        for (List<ProjectedTask> round : rounds) {
            Map<String, UUID> claimed = new HashMap<>();
            round.replaceAll(row -> {
                if (row.idempotencyKey() == null) {
                    return row;
                }
                UUID holder = claimed.putIfAbsent(row.tenantId() + "\u0000" + row.idempotencyKey(), row.id());
                return holder == null || holder.equals(row.id()) ? row : row.withoutIdempotencyKey();
            });
            round.sort(LOCK_ORDER);
        }
        return rounds;
    }

    /** One row per attempt, merging what several events of the batch say about it. */
    static List<ProjectedExecution> executions(List<TaskEvent> events) {
        List<TaskEvent> byVersion = new ArrayList<>(events);
        byVersion.sort(Comparator.comparingLong(TaskEvent::version));
        Map<ProjectedExecution.Key, ProjectedExecution> merged = new LinkedHashMap<>();
        for (TaskEvent event : byVersion) {
            ProjectedExecution execution = ProjectedExecution.of(event);
            if (execution != null) {
                merged.merge(execution.key(), execution, ProjectedExecution::mergedWith);
            }
        }
        return List.copyOf(merged.values());
    }

    private void upsertTasks(List<ProjectedTask> rows) {
        jdbc.execute((Connection con) -> {
            try (PreparedStatement ps = con.prepareStatement(UPSERT_TASKS)) {
                int i = 1;
                ps.setArray(i++, array(con, rows, ProjectedTask::id));
                ps.setArray(i++, array(con, rows, ProjectedTask::tenantId));
                ps.setArray(i++, array(con, rows, ProjectedTask::version));
                ps.setArray(i++, array(con, rows, ProjectedTask::status));
                ps.setArray(i++, array(con, rows, ProjectedTask::updatedAt));
                ps.setArray(i++, array(con, rows, ProjectedTask::type));
                ps.setArray(i++, array(con, rows, ProjectedTask::priority));
                ps.setArray(i++, array(con, rows, ProjectedTask::attempts));
                ps.setArray(i++, array(con, rows, ProjectedTask::maxAttempts));
                ps.setArray(i++, array(con, rows, ProjectedTask::runAt));
                ps.setArray(i++, array(con, rows, ProjectedTask::createdAt));
                ps.setArray(i++, jsonArray(con, rows, ProjectedTask::labels));
                ps.setArray(i++, array(con, rows, ProjectedTask::orderingKey));
                ps.setArray(i++, array(con, rows, ProjectedTask::scheduleId));
                ps.setArray(i++, array(con, rows, ProjectedTask::idempotencyKey));
                ps.setArray(i++, jsonArray(con, rows, ProjectedTask::payload));
                ps.setArray(i++, jsonArray(con, rows, ProjectedTask::result));
                ps.setArray(i++, jsonArray(con, rows, ProjectedTask::lastError));
                ps.setArray(i++, array(con, rows, ProjectedTask::startedAt));
                ps.setArray(i++, array(con, rows, ProjectedTask::finishedAt));
                ps.setArray(i++, array(con, rows, ProjectedTask::progressPercent));
                ps.setArray(i++, array(con, rows, ProjectedTask::progressMessage));
                ps.setArray(i, array(con, rows, ProjectedTask::progressAt));
                return ps.executeUpdate();
            }
        });
    }

    private void upsertExecutions(List<ProjectedExecution> rows) {
        jdbc.execute((Connection con) -> {
            try (PreparedStatement ps = con.prepareStatement(UPSERT_EXECUTIONS)) {
                int i = 1;
                ps.setArray(i++, array(con, rows, ProjectedExecution::taskId));
                ps.setArray(i++, array(con, rows, ProjectedExecution::tenantId));
                ps.setArray(i++, array(con, rows, ProjectedExecution::attempt));
                ps.setArray(i++, array(con, rows, ProjectedExecution::startedAt));
                ps.setArray(i++, array(con, rows, ProjectedExecution::workerId));
                ps.setArray(i++, array(con, rows, ProjectedExecution::finishedAt));
                ps.setArray(i++, array(con, rows, ProjectedExecution::outcome));
                ps.setArray(i++, jsonArray(con, rows, ProjectedExecution::error));
                ps.setArray(i, array(con, rows, ProjectedExecution::durationMs));
                return ps.executeUpdate();
            }
        });
    }

    private static <R> Array array(Connection con, List<R> rows, Function<R, ?> column) throws SQLException {
        return SqlArrays.text(con, rows, column);
    }

    private static <R> Array jsonArray(Connection con, List<R> rows, Function<R, ?> column) throws SQLException {
        return SqlArrays.json(con, rows, column);
    }
}
