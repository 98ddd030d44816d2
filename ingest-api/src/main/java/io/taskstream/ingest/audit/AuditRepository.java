package io.taskstream.ingest.audit;

import static io.taskstream.ingest.tasks.TaskRepository.instant;
import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.schemas.Json;

/**
 * The {@code audit_log} table (V1, V8): appending batches, one tenant's page of rows, and the check of the
 * whole chain. Appends carry no chain columns: the table's trigger sets them.
 */
public class AuditRepository {

    private static final String COLUMNS = "occurred_at, tenant_id, actor, actor_tenant_id, action, resource_type, "
            + "resource_id, detail, trace_id, ip, user_agent, status, outcome";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)";
    private static final String SELECT = "SELECT id, chain_seq, row_hash, " + COLUMNS + " FROM audit_log";

    private final JdbcTemplate jdbc;

    public AuditRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Appends the entries in their order with one {@code INSERT} (one transaction: all or none). Must not run
     * inside a REPEATABLE READ or SERIALIZABLE transaction (see V8's trigger).
     */
    public void append(List<AuditEntry> batch) {
        if (batch.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO audit_log (" + COLUMNS + ") VALUES " + String.join(", ",
                Collections.nCopies(batch.size(), ROW));
        jdbc.update(sql, ps -> {
            int i = 1;
            for (AuditEntry e : batch) {
                i = bind(ps, i, e);
            }
        });
    }

    private static int bind(PreparedStatement ps, int first, AuditEntry e) throws SQLException {
        int i = first;
        ps.setObject(i++, timestamp(e.occurredAt()));
        ps.setString(i++, e.tenantId());
        ps.setString(i++, e.actor());
        ps.setString(i++, e.actorTenantId());
        ps.setString(i++, e.action());
        ps.setString(i++, e.resourceType());
        ps.setString(i++, e.resourceId());
        ps.setString(i++, Json.mapper().writeValueAsString(e.detail()));
        ps.setString(i++, e.traceId());
        ps.setString(i++, e.ip());
        ps.setString(i++, e.userAgent());
        if (e.status() == null) {
            ps.setNull(i++, Types.INTEGER);
        } else {
            ps.setInt(i++, e.status());
        }
        ps.setString(i++, e.outcome().wireName());
        return i;
    }

    /**
     * One page of the tenant's rows, newest first ({@code occurred_at DESC, id DESC}, the order of
     * {@code audit_log_tenant_time_idx}), optionally of one action and from {@code since} on, after the row
     * {@code (afterAt, afterId)} (null: from the newest); at most {@code limitPlusOne} rows.
     */
    List<AuditEntryView> page(String tenantId, String action, Instant since, Instant afterAt, Long afterId,
            int limitPlusOne) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (action != null) {
            sql.append(" AND action = ?");
            args.add(action);
        }
        if (since != null) {
            sql.append(" AND occurred_at >= ?");
            args.add(timestamp(since));
        }
        if (afterAt != null) {
            sql.append(" AND (occurred_at, id) < (?, ?)");
            args.add(timestamp(afterAt));
            args.add(afterId);
        }
        sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT ?");
        args.add(limitPlusOne);
        return jdbc.query(sql.toString(), (rs, n) -> view(rs), args.toArray());
    }

    /** Checks the whole chain with V8's {@code audit_log_verify()}: one pass, in the database. */
    ChainVerification verify() {
        return jdbc.queryForObject("SELECT * FROM audit_log_verify()", (rs, n) -> {
            Long broken = (Long) rs.getObject("first_broken_seq");
            byte[] head = rs.getBytes("head_hash");
            return new ChainVerification(broken == null, rs.getLong("rows_checked"), (Long) rs.getObject("head_seq"),
                    head == null ? null : HexFormat.of().formatHex(head), broken, rs.getString("reason"));
        });
    }

    private static AuditEntryView view(ResultSet rs) throws SQLException {
        return new AuditEntryView(rs.getLong("id"), rs.getLong("chain_seq"), instant(rs, "occurred_at"),
                rs.getString("tenant_id"), rs.getString("actor"), rs.getString("actor_tenant_id"),
                rs.getString("action"), rs.getString("resource_type"), rs.getString("resource_id"),
                Json.mapper().readTree(rs.getString("detail")), rs.getString("trace_id"), rs.getString("ip"),
                rs.getString("user_agent"), (Integer) rs.getObject("status"), rs.getString("outcome"),
                HexFormat.of().formatHex(rs.getBytes("row_hash")));
    }
}
