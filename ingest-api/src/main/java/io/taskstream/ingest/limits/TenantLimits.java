package io.taskstream.ingest.limits;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Tenants' own limits: stored in PostgreSQL ({@code tenant_limits}, one row per tenant and group, the
 * group null for "every group") and kept per node in a Caffeine cache for {@code tenant-cache-ttl}
 * (default 5 s). A {@code PUT} on a node applies there at once (it replaces the cached entry) and on the
 * other nodes when their entry is next refreshed, within the TTL.
 *
 * <p>The cache refreshes in the background: a request never waits for PostgreSQL once its tenant was
 * read, and a refresh that fails keeps the last limits read. A tenant read for the first time while
 * PostgreSQL is down gets the configured defaults for one TTL (logged once per outage): the limiter
 * must not make every request of a new tenant wait for a database that does not answer.
 */
public class TenantLimits {

    private static final Logger log = LoggerFactory.getLogger(TenantLimits.class);

    /** Tenants whose limits are kept in memory at most; the least used go first. */
    static final long MAX_TENANTS = 100_000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final LoadingCache<String, TenantOverrides> cache;
    private final AtomicBoolean databaseDown = new AtomicBoolean();

    public TenantLimits(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, Duration ttl, Ticker ticker) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(MAX_TENANTS)
                .refreshAfterWrite(ttl)
                .expireAfterAccess(ttl.multipliedBy(60).plusHours(1))
                .ticker(ticker)
                .build(this::read);
    }

    /** The tenant's own limits (possibly {@link TenantOverrides#NONE}), from memory when fresh enough. */
    public TenantOverrides overrides(String tenantId) {
        try {
            TenantOverrides overrides = cache.get(tenantId);
            if (databaseDown.compareAndSet(true, false)) {
                log.info("tenant limits are read from PostgreSQL again");
            }
            return overrides;
        } catch (DataAccessException e) {
            if (databaseDown.compareAndSet(false, true)) {
                log.warn("tenant limits cannot be read from PostgreSQL; tenants not read before get the configured "
                        + "limits until it answers: {}", e.getMessage());
            }
            cache.put(tenantId, TenantOverrides.NONE);
            return TenantOverrides.NONE;
        }
    }

    /** Reads the tenant's limits now, bypassing the cache. */
    public TenantOverrides read(String tenantId) {
        List<Row> rows = jdbc.query("SELECT endpoint_group, requests_per_minute, burst, updated_at FROM tenant_limits "
                        + "WHERE tenant_id = ?",
                (rs, i) -> new Row(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getTimestamp(4).toInstant()),
                tenantId);
        if (rows.isEmpty()) {
            return TenantOverrides.NONE;
        }
        Limit all = null;
        Map<EndpointGroup, Limit> groups = new EnumMap<>(EndpointGroup.class);
        Instant updatedAt = null;
        for (Row row : rows) {
            Limit limit = new Limit(row.requestsPerMinute(), row.burst());
            if (row.group() == null) {
                all = limit;
            } else {
                EndpointGroup group = EndpointGroup.of(row.group()).orElse(null);
                if (group == null) {
                    continue; // a group a newer version wrote: not ours to apply
                }
                groups.put(group, limit);
            }
            updatedAt = updatedAt == null || row.updatedAt().isAfter(updatedAt) ? row.updatedAt() : updatedAt;
        }
        return new TenantOverrides(all, groups, updatedAt);
    }

    /**
     * Replaces the tenant's limits with {@code overrides} (empty: the tenant follows the configured limits
     * again) and applies them on this node at once. Concurrent replacements of one tenant are serialised
     * (a transaction-scoped advisory lock); the last one wins.
     */
    public TenantOverrides replace(String tenantId, TenantOverrides overrides) {
        Instant now = clock.instant();
        transactions.executeWithoutResult(status -> {
            jdbc.query("SELECT pg_advisory_xact_lock(hashtext('tenant_limits:' || ?))", rs -> null,
                    tenantId);
            jdbc.update("DELETE FROM tenant_limits WHERE tenant_id = ?", tenantId);
            if (overrides.all() != null) {
                insert(tenantId, null, overrides.all(), now);
            }
            overrides.groups().forEach((group, limit) -> insert(tenantId, group.wireName(), limit, now));
        });
        TenantOverrides stored = overrides.isEmpty() ? TenantOverrides.NONE
                : new TenantOverrides(overrides.all(), overrides.groups(), now);
        cache.put(tenantId, stored);
        return stored;
    }

    private void insert(String tenantId, String group, Limit limit, Instant now) {
        jdbc.update("INSERT INTO tenant_limits (tenant_id, endpoint_group, requests_per_minute, burst, updated_at) "
                + "VALUES (?, ?, ?, ?, ?)", tenantId, group, limit.requestsPerMinute(), limit.burst(),
                Timestamp.from(now));
    }

    private record Row(String group, int requestsPerMinute, int burst, Instant updatedAt) {
    }
}
