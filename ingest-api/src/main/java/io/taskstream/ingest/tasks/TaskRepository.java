package io.taskstream.ingest.tasks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.sql.SqlArrays;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;

/**
 * The API's side of the {@code tasks} table: the read-your-writes rows written right after Kafka
 * acknowledged submissions, the idempotency backstop (keys, and their advisory locks when Redis is
 * down), and the reads of the task view. Every query is confined to a tenant.
 * The projection owns all later changes of a row ({@code ingest.projection}).
 */
public class TaskRepository {

    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private static final List<String> VIEW_COLUMNS = List.of("id", "tenant_id", "type", "priority", "status",
            "attempts", "max_attempts", "run_at", "created_at", "updated_at", "started_at", "finished_at", "result",
            "last_error", "labels", "ordering_key", "schedule_id", "trace_id", "progress_percent", "progress_message",
            "progress_at", "encrypt");

    private final JdbcTemplate jdbc;

    public TaskRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts the {@code PENDING} rows (version 0) of tasks that Kafka has acknowledged, in one
     * statement. A row is not inserted when the task's row exists already (the projection got there
     * first: then its missing request hash is filled in, so that the idempotency backstop can tell a
     * different request) or when another task of the tenant holds its idempotency key.
     *
     * @return the ids of the given tasks that have a row now (inserted here or by the projection); one
     *         missing lost its idempotency key to another task
     */
    public Set<UUID> insertPending(List<PendingRow> unordered) {
        if (unordered.isEmpty()) {
            return Set.of();
        }
        // rows locked in the projection's order (TaskProjection.LOCK_ORDER), so the two never deadlock
        List<PendingRow> rows = unordered.stream().sorted(Comparator.comparing(r -> r.submission().id())).toList();
        return jdbc.execute((Connection con) -> {
            try (PreparedStatement ps = con.prepareStatement(INSERT_PENDING)) {
                int i = 1;
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().id()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().tenantId()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().type()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().priority().name()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().maxAttempts()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().dueAt(r.submission().createdAt())));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().createdAt()));
                ps.setArray(i++, SqlArrays.json(con, rows, r -> r.submission().payload()));
                ps.setArray(i++, SqlArrays.json(con, rows, r -> r.submission().labels()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().orderingKey()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().scheduleId()));
                ps.setArray(i++, SqlArrays.text(con, rows, PendingRow::traceId));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().idempotencyKey()));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.requestHash() == null ? null
                        : HexFormat.of().formatHex(r.requestHash())));
                ps.setArray(i++, SqlArrays.text(con, rows, r -> r.submission().timeout().toMillis()));
                ps.setArray(i++, SqlArrays.json(con, rows, r -> r.submission().backoff()));
                ps.setArray(i, SqlArrays.text(con, rows, r -> r.submission().encrypt()));
                Set<UUID> present = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        present.add(rs.getObject(1, UUID.class));
                    }
                }
                if (present.size() < rows.size()) {
                    present.addAll(committedSince(con, rows, present));
                }
                return present;
            }
        });
    }

    /**
     * Those of {@code rows} missing from {@code present} that have a row after all: the statement's
     * snapshot misses a row the projection committed while it ran (its insert then skipped the
     * conflicting row), which a new statement sees.
     */
    private static Set<UUID> committedSince(Connection con, List<PendingRow> rows, Set<UUID> present)
            throws SQLException {
        List<PendingRow> missing = rows.stream().filter(r -> !present.contains(r.submission().id())).toList();
        try (PreparedStatement ps = con.prepareStatement("SELECT t.id FROM tasks t "
                + "JOIN unnest(?::uuid[], ?::text[]) AS v(id, tenant_id) ON t.id = v.id AND t.tenant_id = v.tenant_id")) {
            ps.setArray(1, SqlArrays.text(con, missing, r -> r.submission().id()));
            ps.setArray(2, SqlArrays.text(con, missing, r -> r.submission().tenantId()));
            Set<UUID> found = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getObject(1, UUID.class));
                }
            }
            return found;
        }
    }

    /** An accepted task's read-your-writes row: the submission, the hash of its request, its trace id. */
    public record PendingRow(TaskSubmission submission, byte[] requestHash, String traceId) {
    }

    /**
     * The insert of {@link #insertPending}. The {@code UPDATE} and the final {@code SELECT} see the table
     * as it was before the statement (a data-modifying CTE's rows are invisible to its siblings), so they
     * touch only rows that existed already; {@code inserted} adds the new ones.
     */
    static final String INSERT_PENDING = """
            WITH v AS (
                SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::integer[], ?::timestamptz[],
                                     ?::timestamptz[], ?::jsonb[], ?::jsonb[], ?::text[], ?::uuid[], ?::text[],
                                     ?::text[], ?::text[], ?::bigint[], ?::jsonb[], ?::boolean[])
                     AS v(id, tenant_id, type, priority, max_attempts, run_at, created_at, payload, labels,
                          ordering_key, schedule_id, trace_id, idempotency_key, request_hash_hex, timeout_ms, backoff,
                          encrypt)
            ),
            inserted AS (
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, attempts, max_attempts, run_at,
                                   created_at, updated_at, payload, labels, ordering_key, schedule_id, trace_id,
                                   idempotency_key, request_hash, timeout_ms, backoff, encrypt)
                SELECT id, tenant_id, type, priority, 'PENDING', 0, 0, max_attempts, run_at, created_at, created_at,
                       payload, labels, ordering_key, schedule_id, trace_id, idempotency_key,
                       decode(request_hash_hex, 'hex'), timeout_ms, backoff, encrypt
                FROM v
                ON CONFLICT DO NOTHING
                RETURNING id
            ),
            hashed AS (
                UPDATE tasks t SET request_hash = decode(v.request_hash_hex, 'hex')
                FROM v
                WHERE t.id = v.id AND t.tenant_id = v.tenant_id AND t.idempotency_key = v.idempotency_key
                  AND t.request_hash IS NULL AND v.request_hash_hex IS NOT NULL
            )
            SELECT id FROM inserted
            UNION
            SELECT t.id FROM tasks t JOIN v ON t.id = v.id AND t.tenant_id = v.tenant_id
            """;

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
     * status, type or priority index when one value of that filter is asked for, or of
     * {@code tasks_schedule_idx} for a schedule's tasks; labels are a containment ({@code labels @> ?::jsonb})
     * the GIN index can answer.
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
        if (query.scheduleId() != null) {
            // tasks_schedule_idx
            sql.append(" AND t.schedule_id = ?");
            args.add(query.scheduleId());
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

    /** The views of the tasks of {@code tenantId} among {@code ids} (without payload), by id. */
    public Map<UUID, TaskView> findAll(String tenantId, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        List<TaskView> rows = jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement("SELECT " + viewColumns("t")
                    + " FROM tasks t WHERE t.tenant_id = ? AND t.id = ANY(?::uuid[])");
            ps.setString(1, tenantId);
            ps.setArray(2, SqlArrays.text(con, List.copyOf(ids), id -> id));
            return ps;
        }, (rs, n) -> view(rs, false));
        Map<UUID, TaskView> byId = new HashMap<>();
        rows.forEach(view -> byId.put(view.id(), view));
        return byId;
    }

    /**
     * The tasks of {@code tenantId} that hold the given idempotency keys (the idempotency backstop), by
     * key, with the hash of their request.
     */
    public Map<String, IdempotentTask> findByIdempotencyKeys(String tenantId, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, IdempotentTask> byKey = new HashMap<>();
        jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement("SELECT idempotency_key, id, request_hash, created_at "
                    + "FROM tasks WHERE tenant_id = ? AND idempotency_key = ANY(?::text[])");
            ps.setString(1, tenantId);
            ps.setArray(2, SqlArrays.text(con, List.copyOf(keys), key -> key));
            return ps;
        }, (ResultSet rs) -> {
            byKey.put(rs.getString("idempotency_key"), new IdempotentTask(rs.getObject("id", UUID.class),
                    rs.getBytes("request_hash"), instant(rs, "created_at")));
        });
        return byKey;
    }

    /**
     * A task found by its idempotency key; {@code requestHash} is null for tasks not submitted through the
     * API (or whose row the projection wrote before the API could).
     */
    public record IdempotentTask(UUID id, byte[] requestHash, Instant createdAt) {
    }

    /**
     * Takes the transaction-scoped advisory lock of each idempotency key of {@code tenantId}, waiting at
     * most {@code timeout} (then {@code PessimisticLockingFailureException}). Must run in a
     * transaction; the locks are released when it ends. Keys are locked in the order of their lock ids,
     * so that two callers never wait for each other in a cycle.
     */
    public void lockIdempotencyKeys(String tenantId, Collection<String> keys, Duration timeout) {
        Long[] lockIds = keys.stream().map(key -> lockId(tenantId, key)).distinct().sorted().toArray(Long[]::new);
        jdbc.queryForObject("SELECT set_config('lock_timeout', ?, true)", String.class, timeout.toMillis() + "ms");
        jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement(
                    "SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k");
            ps.setArray(1, con.createArrayOf("bigint", lockIds));
            return ps;
        }, (ResultSet rs) -> {
        });
    }

    /** The advisory lock id of an idempotency key: 64 bits of SHA-256 over a namespace, the tenant and the key. */
    static long lockId(String tenantId, String idempotencyKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    ("taskstream.idempotency/" + tenantId + "/" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
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
                includePayload ? json(rs.getString("payload")) : null,
                rs.getBoolean("encrypt") ? true : null, // false only means unknown: the projection does not know it
                null);
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
