package io.taskstream.ingest.schedules;

import static io.taskstream.ingest.tasks.TaskRepository.instant;
import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;

/**
 * The {@code schedules} table (V1, V7). Every query is confined to a tenant.
 *
 * <p>A schedule's last run is not stored with it: it is its newest task in {@code tasks}, found through
 * {@code tasks_schedule_idx} by a {@code LEFT JOIN LATERAL} — one index probe per schedule, in the same
 * statement as the schedules themselves (a page of 50 is one query, not 51). The order is the index's own
 * ({@code created_at DESC}, no tie-breaker that would need a sort): two tasks of one schedule created in the
 * same microsecond are not told apart. Only tasks of the schedule's own tenant count, so a direct producer of
 * another tenant naming this schedule's id changes nothing.
 */
class ScheduleRepository {

    private static final String COLUMNS = "s.id, s.tenant_id, s.name, s.cron, s.timezone, s.task, s.enabled, "
            + "s.misfire_policy, s.overlap, s.version, s.created_at, s.updated_at";

    /** The schedules with their last run; a statement adds {@code WHERE …} on {@code s}. */
    static final String SELECT = "SELECT " + COLUMNS + ", last.id AS last_task_id, last.created_at AS last_run_at"
            + " FROM schedules s LEFT JOIN LATERAL ("
            + "SELECT t.id, t.created_at FROM tasks t WHERE t.schedule_id = s.id AND t.tenant_id = s.tenant_id"
            + " ORDER BY t.created_at DESC LIMIT 1) last ON true";

    private final JdbcTemplate jdbc;

    ScheduleRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts a new schedule (version 0) created at {@code createdAt}.
     *
     * @throws org.springframework.dao.DuplicateKeyException when the tenant has a schedule of that name
     */
    void insert(ScheduleDefinition d, Instant createdAt) {
        jdbc.update("""
                INSERT INTO schedules (id, tenant_id, name, cron, timezone, task, enabled, misfire_policy, overlap,
                                       version, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, 0, ?, ?)
                """, d.scheduleId(), d.tenantId(), d.name(), d.cron(), d.timezone(), taskJson(d.task()), d.enabled(),
                d.misfirePolicy().name(), d.overlap().name(), timestamp(createdAt), timestamp(d.updatedAt()));
    }

    /**
     * Replaces the schedule's definition if its row is still at {@code expectedVersion}, and counts the
     * version up; the row stays locked until the transaction ends.
     *
     * @return false when the row changed (or went) since it was read at that version
     * @throws org.springframework.dao.DuplicateKeyException when another schedule of the tenant has the new name
     */
    boolean update(ScheduleDefinition d, long expectedVersion) {
        return jdbc.update("""
                UPDATE schedules SET name = ?, cron = ?, timezone = ?, task = ?::jsonb, enabled = ?,
                                     misfire_policy = ?, overlap = ?, updated_at = ?, version = version + 1
                WHERE id = ? AND tenant_id = ? AND version = ?
                """, d.name(), d.cron(), d.timezone(), taskJson(d.task()), d.enabled(), d.misfirePolicy().name(),
                d.overlap().name(), timestamp(d.updatedAt()), d.scheduleId(), d.tenantId(), expectedVersion) == 1;
    }

    /** Deletes the schedule and returns what it was (without its last run); empty when there was none. */
    Optional<ScheduleDefinition> delete(String tenantId, UUID id) {
        return jdbc.query("DELETE FROM schedules s WHERE s.id = ? AND s.tenant_id = ? RETURNING " + COLUMNS,
                (rs, n) -> definition(rs), id, tenantId).stream().findFirst();
    }

    /** The schedule with its last run; empty when there is none (or it is another tenant's). */
    Optional<Schedule> find(String tenantId, UUID id) {
        return jdbc.query(SELECT + " WHERE s.id = ? AND s.tenant_id = ?", ScheduleRepository::schedule, id, tenantId)
                .stream().findFirst();
    }

    /** The id of the tenant's schedule named {@code name}, if there is one. */
    Optional<UUID> idOfName(String tenantId, String name) {
        return jdbc.query("SELECT id FROM schedules WHERE tenant_id = ? AND name = ?",
                (rs, n) -> rs.getObject(1, UUID.class), tenantId, name).stream().findFirst();
    }

    /**
     * One page of {@code GET /schedules}: the tenant's schedules, newest first ({@code created_at DESC, id
     * DESC}, the order of {@code schedules_tenant_created_idx}) after {@code after}; at most
     * {@code limit + 1} rows, the extra one showing that there is a next page.
     */
    List<Schedule> page(String tenantId, int limit, KeysetCursor after) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE s.tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (after != null) {
            sql.append(" AND (s.created_at, s.id) < (?, ?)");
            args.add(timestamp(after.at()));
            args.add(after.id());
        }
        sql.append(" ORDER BY s.created_at DESC, s.id DESC LIMIT ?");
        args.add(limit + 1);
        return jdbc.query(sql.toString(), ScheduleRepository::schedule, args.toArray());
    }

    private static Schedule schedule(ResultSet rs, int row) throws SQLException {
        return new Schedule(definition(rs), rs.getLong("version"), instant(rs, "created_at"),
                rs.getObject("last_task_id", UUID.class), instant(rs, "last_run_at"));
    }

    private static ScheduleDefinition definition(ResultSet rs) throws SQLException {
        return new ScheduleDefinition(
                rs.getObject("id", UUID.class),
                rs.getString("tenant_id"),
                rs.getString("name"),
                rs.getString("cron"),
                rs.getString("timezone"),
                Json.mapper().readValue(rs.getString("task"), TaskTemplate.class),
                rs.getBoolean("enabled"),
                MisfirePolicy.valueOf(rs.getString("misfire_policy")),
                Overlap.valueOf(rs.getString("overlap")),
                instant(rs, "updated_at"));
    }

    private static String taskJson(TaskTemplate task) {
        return Json.mapper().writeValueAsString(task);
    }
}
