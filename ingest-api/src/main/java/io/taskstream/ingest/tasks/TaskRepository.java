package io.taskstream.ingest.tasks;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * The API's side of the {@code tasks} table: the read-your-writes row written right after Kafka
 * acknowledged a submission, and the reads of the task view. Every query is confined to a tenant.
 * The projection owns all later changes of a row ({@code ingest.projection}).
 */
public class TaskRepository {

    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private static final List<String> VIEW_COLUMNS = List.of("id", "tenant_id", "type", "priority", "status",
            "attempts", "max_attempts", "run_at", "created_at", "updated_at", "started_at", "finished_at", "result",
            "last_error", "labels", "ordering_key", "schedule_id", "trace_id", "progress_percent", "progress_message",
            "progress_at");

    private final JdbcTemplate jdbc;

    public TaskRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts the {@code PENDING} row (version 0) of a task that Kafka has acknowledged. Does nothing
     * when the row exists already (the projection got there first) or when another task of the tenant
     * holds its idempotency key.
     *
     * @return whether a row was inserted
     */
    public boolean insertPending(TaskSubmission s, byte[] requestHash, String traceId) {
        int inserted = jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, attempts, max_attempts, run_at,
                                   created_at, updated_at, payload, labels, ordering_key, schedule_id, trace_id,
                                   idempotency_key, request_hash, timeout_ms, backoff, encrypt)
                VALUES (?, ?, ?, ?, 'PENDING', 0, 0, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
                ON CONFLICT DO NOTHING
                """,
                s.id(), s.tenantId(), s.type(), s.priority().name(), s.maxAttempts(),
                timestamp(s.dueAt(s.createdAt())), timestamp(s.createdAt()), timestamp(s.createdAt()),
                Json.mapper().writeValueAsString(s.payload()), Json.mapper().writeValueAsString(s.labels()),
                s.orderingKey(), s.scheduleId(), traceId, s.idempotencyKey(), requestHash, s.timeout().toMillis(),
                Json.mapper().writeValueAsString(s.backoff()), s.encrypt());
        return inserted == 1;
    }

    /** The view of a task of {@code tenantId}; empty when there is none (or it is another tenant's). */
    public Optional<TaskView> find(String tenantId, UUID id, boolean includePayload) {
        String sql = "SELECT " + viewColumns("t") + (includePayload ? ", t.payload" : "")
                + " FROM tasks t WHERE t.id = ? AND t.tenant_id = ?";
        List<TaskView> rows = jdbc.query(sql, (rs, n) -> view(rs, includePayload), id, tenantId);
        return rows.stream().findFirst();
    }

    /**
     * One page of {@code GET /tasks}: the query's tenant's tasks that match it, newest first
     * ({@code created_at DESC, id DESC}) after its cursor, without payload; at most {@code limit + 1}
     * rows, the extra one showing that there is a next page.
     */
    public List<TaskView> page(TaskQuery query) {
        Sql sql = pageSql(query);
        return jdbc.query(sql.text(), (rs, n) -> view(rs, false), sql.args());
    }

    /** A statement and its arguments. */
    record Sql(String text, Object... args) {
    }

    /**
     * The statement of {@link #page}: a keyset range scan of {@code tasks_tenant_created_idx}, or of the
     * status, type or priority index when one value of that filter is asked for; labels are a
     * containment ({@code labels @> ?::jsonb}) the GIN index can answer.
     */
    static Sql pageSql(TaskQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + viewColumns("t") + " FROM tasks t WHERE t.tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(query.tenantId()));
        in(sql, args, "t.status", query.statuses().stream().map(Enum::name).toList());
        in(sql, args, "t.type", List.copyOf(query.types()));
        in(sql, args, "t.priority", query.priorities().stream().map(Enum::name).toList());
        if (!query.labels().isEmpty()) {
            sql.append(" AND t.labels @> ?::jsonb");
            args.add(Json.mapper().writeValueAsString(query.labels()));
        }
        if (query.createdAfter() != null) {
            sql.append(" AND t.created_at >= ?");
            args.add(timestamp(query.createdAfter()));
        }
        if (query.createdBefore() != null) {
            sql.append(" AND t.created_at < ?");
            args.add(timestamp(query.createdBefore()));
        }
        if (query.after() != null) {
            sql.append(" AND (t.created_at, t.id) < (?, ?)");
            args.add(timestamp(query.after().at()));
            args.add(query.after().id());
        }
        sql.append(" ORDER BY t.created_at DESC, t.id DESC LIMIT ?");
        args.add(query.limit() + 1);
        return new Sql(sql.toString(), args.toArray());
    }

    /** {@code AND column = ?} for one value (so that the planner sees an equality), {@code IN (…)} for several. */
    private static void in(StringBuilder sql, List<Object> args, String column, List<String> values) {
        if (values.size() == 1) {
            sql.append(" AND ").append(column).append(" = ?");
        } else if (values.size() > 1) {
            sql.append(" AND ").append(column).append(" IN (")
                    .append(String.join(", ", Collections.nCopies(values.size(), "?"))).append(')');
        }
        args.addAll(values);
    }

    /**
     * Every attempt of a task of {@code tenantId}, oldest first (a replayed task's attempts restart at 1,
     * so they are ordered by start time). Empty for an unknown task as for one that never started.
     */
    public List<ExecutionView> executions(String tenantId, UUID taskId) {
        return jdbc.query("""
                SELECT attempt, worker_id, started_at, finished_at, outcome, error, duration_ms
                FROM task_executions WHERE task_id = ? AND tenant_id = ?
                ORDER BY started_at, attempt
                """, (rs, n) -> new ExecutionView(
                        rs.getInt("attempt"),
                        rs.getString("worker_id"),
                        instant(rs, "started_at"),
                        instant(rs, "finished_at"),
                        enumOf(AttemptOutcome.class, rs.getString("outcome")),
                        error(rs.getString("error")),
                        (Long) rs.getObject("duration_ms")),
                taskId, tenantId);
    }

    /** The columns {@link #view} reads, qualified by a table alias (for joins with {@code tasks}). */
    public static String viewColumns(String alias) {
        return String.join(", ", VIEW_COLUMNS.stream().map(c -> alias + "." + c).toList());
    }

    /** The task of {@code tenantId} that holds an idempotency key, with the hash of its request. */
    public Optional<IdempotentTask> findByIdempotencyKey(String tenantId, String idempotencyKey) {
        List<IdempotentTask> rows = jdbc.query(
                "SELECT id, request_hash FROM tasks WHERE tenant_id = ? AND idempotency_key = ?",
                (rs, n) -> new IdempotentTask(rs.getObject("id", UUID.class), rs.getBytes("request_hash")),
                tenantId, idempotencyKey);
        return rows.stream().findFirst();
    }

    /** A task found by its idempotency key; {@code requestHash} is null for tasks not submitted through the API. */
    public record IdempotentTask(UUID id, byte[] requestHash) {
    }

    /** The task view of the current row, which holds {@link #viewColumns} (and {@code payload} if asked for). */
    public static TaskView view(ResultSet rs, boolean includePayload) throws SQLException {
        return new TaskView(
                rs.getObject("id", UUID.class),
                rs.getString("tenant_id"),
                rs.getString("type"),
                enumOf(Priority.class, rs.getString("priority")),
                TaskStatus.valueOf(rs.getString("status")),
                rs.getInt("attempts"),
                (Integer) rs.getObject("max_attempts"),
                instant(rs, "run_at"),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                json(rs.getString("result")),
                error(rs.getString("last_error")),
                labels(rs.getString("labels")),
                rs.getString("ordering_key"),
                rs.getObject("schedule_id", UUID.class),
                rs.getString("trace_id"),
                progress(rs),
                includePayload ? json(rs.getString("payload")) : null);
    }

    private static ProgressView progress(ResultSet rs) throws SQLException {
        Instant at = instant(rs, "progress_at");
        return at == null ? null : new ProgressView(rs.getInt("progress_percent"), rs.getString("progress_message"), at);
    }

    /** Instants travel to and from {@code timestamptz} as UTC offsets, whatever the JVM's time zone. */
    public static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String value) {
        return value == null ? null : Enum.valueOf(type, value);
    }

    private static JsonNode json(String value) {
        return value == null ? null : Json.mapper().readTree(value);
    }

    private static TaskError error(String value) {
        return value == null ? null : Json.mapper().readValue(value, TaskError.class);
    }

    private static Map<String, String> labels(String value) {
        return value == null ? Map.of() : Json.mapper().readValue(value, LABELS);
    }
}
