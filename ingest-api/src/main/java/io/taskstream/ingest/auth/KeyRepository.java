package io.taskstream.ingest.auth;

import static io.taskstream.ingest.tasks.TaskRepository.instant;
import static io.taskstream.ingest.tasks.TaskRepository.timestamp;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.JdbcTemplate;

import io.taskstream.ingest.http.KeysetCursor;

/** The {@code api_keys} table (V1). Every query but the lookup by prefix is confined to a tenant. */
public class KeyRepository {

    private static final String COLUMNS = "id, tenant_id, name, prefix, secret_hash, scopes, created_at, expires_at, "
            + "revoked_at, previous_secret_hash, previous_expires_at";

    private final JdbcTemplate jdbc;

    public KeyRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The key with this prefix, of whatever tenant: how a presented key is found. */
    public Optional<StoredKey> findByPrefix(String prefix) {
        return jdbc.query("SELECT " + COLUMNS + " FROM api_keys WHERE prefix = ?", KeyRepository::key, prefix)
                .stream().findFirst();
    }

    public Optional<StoredKey> find(String tenantId, UUID id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM api_keys WHERE id = ? AND tenant_id = ?", KeyRepository::key,
                id, tenantId).stream().findFirst();
    }

    /**
     * Stores a new key.
     *
     * @return false when a key with its prefix exists already (nothing is written)
     */
    public boolean insert(StoredKey key) {
        return jdbc.update(con -> {
            var ps = con.prepareStatement("""
                    INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash, scopes, created_at, updated_at,
                                          expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (prefix) DO NOTHING
                    """);
            ps.setObject(1, key.id());
            ps.setString(2, key.tenantId());
            ps.setString(3, key.name());
            ps.setString(4, key.prefix());
            ps.setBytes(5, key.secretHash());
            ps.setArray(6, con.createArrayOf("text", key.scopes().stream().map(Scope::wireName).sorted().toArray()));
            ps.setObject(7, timestamp(key.createdAt()));
            ps.setObject(8, timestamp(key.createdAt()));
            ps.setObject(9, timestamp(key.expiresAt()));
            return ps;
        }) == 1;
    }

    /**
     * One page of the tenant's keys, newest first, after {@code after}; at most {@code limit + 1} rows, the
     * extra one showing that there is a next page.
     */
    public List<StoredKey> page(String tenantId, int limit, KeysetCursor after) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM api_keys WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (after != null) {
            sql.append(" AND (created_at, id) < (?, ?)");
            args.add(timestamp(after.at()));
            args.add(after.id());
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        args.add(limit + 1);
        return jdbc.query(sql.toString(), KeyRepository::key, args.toArray());
    }

    /** Revokes the key at {@code at} (a revoked key stays revoked at its first time). */
    public boolean revoke(String tenantId, UUID id, Instant at) {
        return jdbc.update("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND tenant_id = ?",
                timestamp(at), id, tenantId) == 1;
    }

    /**
     * Gives an active key a new secret; the current one keeps working until {@code previousExpiresAt}.
     *
     * @return false when the key is missing, revoked or expired at {@code now}
     */
    public boolean rotate(String tenantId, UUID id, byte[] newSecretHash, Instant previousExpiresAt, Instant now) {
        return jdbc.update("""
                UPDATE api_keys
                   SET previous_secret_hash = secret_hash, previous_expires_at = ?, secret_hash = ?
                 WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                """, timestamp(previousExpiresAt), newSecretHash, id, tenantId, timestamp(now)) == 1;
    }

    /** Whether any tenant holds an {@code admin} key that works at {@code now}. */
    public boolean anyActiveAdmin(Instant now) {
        return Boolean.TRUE.equals(jdbc.queryForObject("""
                SELECT EXISTS (SELECT 1 FROM api_keys WHERE 'admin' = ANY (scopes) AND revoked_at IS NULL
                                                        AND (expires_at IS NULL OR expires_at > ?))
                """, Boolean.class, timestamp(now)));
    }

    private static StoredKey key(ResultSet rs, int row) throws SQLException {
        return new StoredKey(rs.getObject("id", UUID.class), rs.getString("tenant_id"), rs.getString("name"),
                rs.getString("prefix"), rs.getBytes("secret_hash"), scopes(rs.getArray("scopes")),
                instant(rs, "created_at"), instant(rs, "expires_at"), instant(rs, "revoked_at"),
                rs.getBytes("previous_secret_hash"), instant(rs, "previous_expires_at"));
    }

    /** Scopes this version does not know (written by a newer one) are left out: they grant nothing here. */
    private static Set<Scope> scopes(Array array) throws SQLException {
        return Arrays.stream((String[]) array.getArray()).map(Scope::of).flatMap(Optional::stream)
                .collect(Collectors.toUnmodifiableSet());
    }
}
