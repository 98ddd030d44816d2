package io.taskstream.lock;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.taskstream.lock.internal.Holder;
import io.taskstream.lock.internal.LeaseKeys;
import io.taskstream.lock.internal.LeaseStore;
import io.taskstream.lock.internal.RedisLeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Hands out {@link Lease}s: time-limited, exclusive rights to work on a resource, each with a
 * fencing token, kept in Redis. The worker takes one per task id before running the task, so two
 * workers never run the same task at the same time, and reports the token with the result, so a
 * result from a worker that lost its lease can be recognised and discarded.
 *
 * <pre>{@code
 * LeaseManager leases = LeaseManager.builder(redisClient).clock(clock).build();
 * Optional<Lease> taken = leases.tryAcquire(taskId, Duration.ofSeconds(30), workerId,
 *         (lease, reason) -> execution.cancel(true));
 * if (taken.isPresent()) {
 *     try (Lease lease = taken.get()) {   // renewed every 10 s until closed
 *         run(task, lease.fencingToken());
 *     }
 * }
 * }</pre>
 *
 * <h2>How it works</h2>
 * <p>Two keys per resource, under a configurable prefix (default {@value #DEFAULT_KEY_PREFIX}):
 * <ul>
 *   <li>{@code <prefix>lease:{<resource>}} holds {@code <owner>:<token>} with a Redis expiry of the
 *       lease's TTL ({@code PX}); it exists exactly while somebody holds the lease.</li>
 *   <li>{@code <prefix>fence:{<resource>}} holds the last fencing token handed out; it outlives
 *       the lease by the fence retention (default 10 minutes), so tokens keep increasing across
 *       lease expiries.</li>
 * </ul>
 * The braces are a Redis Cluster hash tag: both keys of a resource share a slot, so one script
 * may touch both. Three Lua scripts, each one atomic step in Redis, do all the work:
 * <ul>
 *   <li><b>acquire</b>: if the lease key does not exist, compute the next token, store it in the
 *       fence key and {@code SET} the lease key to {@code <owner>:<token> NX PX <ttl>}; else
 *       answer 0 (refused).</li>
 *   <li><b>renew</b>: {@code PEXPIRE} the lease key only if its value is still this holder's
 *       {@code <owner>:<token>} (compare-and-expire).</li>
 *   <li><b>release</b>: {@code DEL} the lease key only if its value is still this holder's
 *       (compare-and-delete), so a holder whose lease expired can never delete its successor's.</li>
 * </ul>
 * The scripts are loaded with {@code SCRIPT LOAD} when the manager is built and called by
 * {@code EVALSHA}; when Redis answers {@code NOSCRIPT} (its script cache is empty after a restart
 * or a {@code SCRIPT FLUSH}) the call is repeated once with {@code EVAL}, which caches the script
 * again.
 *
 * <h2>Fencing tokens</h2>
 * <p>The next token is {@code max(last token + 1, Redis server time in microseconds)}. The first
 * term makes tokens strictly increasing per resource while the fence key exists; the second keeps
 * them increasing when it does not: after its retention ran out, after Redis restarted without
 * its data, or after a failover to a replica that had not received the last writes. A plain
 * {@code INCR} would start again at 1 in all three cases and let a stale holder's token look
 * newer than its successor's, the very mistake fencing exists to prevent. So the rule keeps what
 * {@code INCR} promises (each token exceeds the last one stored) and adds a floor that survives
 * the loss of the counter. The cost: tokens are large numbers (about 1.8e15), not 1, 2, 3, and
 * their order across data loss rests on the Redis hosts' clocks not stepping back by more than
 * the time since the resource's previous token.
 *
 * <h2>Renewal and time</h2>
 * <p>Redis's {@code PX} expiry is the authority on when a lease ends. Locally, a lease is
 * {@linkplain Lease#isValid() valid} until the time its last successful acquire or renewal was
 * sent plus the TTL, read from the injected {@link Clock} (a conservative estimate: Redis starts
 * its TTL later, on receipt). With automatic renewal (the default) a watchdog on the scheduler
 * renews each lease every {@code renewalFraction × ttl} (default a third); renewals are
 * asynchronous, so one scheduler thread serves any number of leases. The holder is told, through
 * its {@link LeaseListener}, {@link Lease#lost()} and {@link Lease#isValid()}, when Redis says the
 * lease is no longer its own ({@link LossReason#TAKEN_OVER}) or when Redis could not be reached
 * until the local estimate ran out ({@link LossReason#EXPIRED}). A lost lease is never renewed
 * again, even if Redis comes back: its key may have been taken by someone else in between.
 *
 * <h2>Redis restarts</h2>
 * <p>A Redis that keeps nothing on disk comes back empty: the holder's next renewal finds no key
 * and the holder is told {@link LossReason#TAKEN_OVER}; if Redis is still down when the holder's
 * {@link Lease#validUntil()} passes, it is told {@link LossReason#EXPIRED} instead. Until that
 * renewal (at most {@code renewalFraction × ttl} after the restart) a successor may already hold
 * the lease; its fencing token is higher. A Redis with an append-only file that is back within
 * the TTL still has the key, and renewal simply resumes.
 *
 * <h2>Trade-offs</h2>
 * <ul>
 *   <li>One Redis (or one primary), not Redlock: simple and fast, but a failover can lose a lease
 *       key that was not yet replicated, and for up to a renewal interval two workers may both
 *       believe they hold the lease. Fencing tokens, checked where results are accepted, are what
 *       makes that safe; the lease alone only makes it rare.</li>
 *   <li>Every call waits at most the command timeout (default 2 s) and then fails with
 *       {@link LeaseException}, whatever the connection's own settings. A timed-out acquire may
 *       still have taken the lease in Redis; it then blocks the resource until its TTL runs out.</li>
 *   <li>Leases are not re-entrant, and an owner string is only a label: what identifies a holder
 *       is {@code <owner>:<token>}.</li>
 * </ul>
 *
 * <p>Thread-safe; build one per process and share it.
 */
public final class LeaseManager implements AutoCloseable {

    /** Prefix of every key this manager writes. */
    public static final String DEFAULT_KEY_PREFIX = "taskstream:lock:";
    /** How long any call waits for Redis before failing with {@link LeaseException}. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** Renew when this fraction of the TTL has passed since the last renewal. */
    public static final double DEFAULT_RENEWAL_FRACTION = 1.0 / 3;
    /** How long a fence key outlives its resource's last lease. */
    public static final Duration DEFAULT_FENCE_RETENTION = Duration.ofMinutes(10);

    private static final System.Logger LOG = System.getLogger(LeaseManager.class.getName());

    private final LeaseStore store;
    private final LeaseKeys keys;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final AutoCloseable ownedConnection;
    private final boolean autoRenew;
    private final double renewalFraction;
    /** The leases to stop when this manager closes. */
    private final Set<ManagedLease> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private LeaseManager(Builder builder, LeaseStore store, AutoCloseable ownedConnection) {
        this.store = store;
        this.keys = builder.keys();
        this.clock = builder.clock;
        this.ownsScheduler = builder.scheduler == null;
        this.scheduler = ownsScheduler ? defaultScheduler() : builder.scheduler;
        this.ownedConnection = ownedConnection;
        this.autoRenew = builder.autoRenew;
        this.renewalFraction = builder.renewalFraction;
    }

    /**
     * A manager that opens its own connection from {@code client} when built and closes it when
     * closed. The client's options stay the caller's; see the module README for recommended ones.
     */
    public static Builder builder(RedisClient client) {
        return new Builder(Objects.requireNonNull(client, "client"), null);
    }

    /** A manager that uses {@code connection} and leaves it open when closed. */
    public static Builder builder(StatefulRedisConnection<String, String> connection) {
        return new Builder(null, Objects.requireNonNull(connection, "connection"));
    }

    /** Like {@link #tryAcquire(String, Duration, String, LeaseListener)} without a listener. */
    public Optional<Lease> tryAcquire(String resource, Duration ttl, String owner) {
        return tryAcquire(resource, ttl, owner, LeaseListener.NONE);
    }

    /**
     * Takes the lease on {@code resource} for {@code ttl} if nobody holds it. Never waits for the
     * lease to become free: a worker that is refused moves on (or retries later).
     *
     * @param resource what to lock, e.g. a task id; not blank, must not start with {@code '}'}
     * @param ttl how long the lease lasts unless renewed; at least 1 ms (finer parts are dropped)
     * @param owner who takes it, e.g. a worker id; a label, not blank
     * @param listener told once if the lease is lost before it is released
     * @return the lease, or empty if someone (this owner included) holds it
     * @throws LeaseException if Redis cannot be reached in time
     * @throws IllegalStateException if this manager is closed
     */
    public Optional<Lease> tryAcquire(String resource, Duration ttl, String owner, LeaseListener listener) {
        requireText(resource, "resource");
        if (resource.startsWith("}")) {
            throw new IllegalArgumentException("resource must not start with '}' (it would empty the Redis Cluster hash tag): "
                    + resource);
        }
        requireText(owner, "owner");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(listener, "listener");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
        }
        if (closed) {
            throw new IllegalStateException("LeaseManager is closed");
        }
        Duration wholeTtl = Duration.ofMillis(ttl.toMillis());
        Instant sentAt = clock.instant();
        long token = await(store.acquire(resource, owner, wholeTtl));
        if (token == 0) {
            return Optional.empty();
        }
        Duration renewEvery = autoRenew
                ? Duration.ofNanos(Math.max(1_000_000L, (long) (wholeTtl.toNanos() * renewalFraction)))
                : null;
        ManagedLease lease = new ManagedLease(new Holder(resource, owner, token), wholeTtl, sentAt.plus(wholeTtl),
                store, clock, scheduler, renewEvery, listener, live::remove);
        live.add(lease);
        if (closed) {
            lease.abandon(); // close() ran while this acquire was in flight
        } else {
            lease.startWatchdog();
        }
        return Optional.of(lease);
    }

    /** The Redis key that holds the lease on {@code resource}, for operators and tests. */
    public String leaseKey(String resource) {
        return keys.lease(resource);
    }

    /** The Redis key that holds the last fencing token of {@code resource}. */
    public String fenceKey(String resource) {
        return keys.fence(resource);
    }

    /**
     * Stops renewing every lease still held and tells their holders ({@link LossReason#MANAGER_CLOSED});
     * their keys are left to expire, so holders still running keep the rest of their TTL to notice.
     * Stop the scheduler and close the connection if this manager created them. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ManagedLease lease : List.copyOf(live)) {
            lease.abandon();
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
        if (ownedConnection != null) {
            try {
                ownedConnection.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "could not close the lease manager's Redis connection", e);
            }
        }
    }

    private static ScheduledExecutorService defaultScheduler() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("taskstream-lease-watchdog").daemon().factory());
        executor.setRemoveOnCancelPolicy(true); // every renewal cancels a deadline tick
        return executor;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(); // bounded: a LeaseStore completes every future within its command timeout
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (!(cause instanceof LeaseException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw cause instanceof LeaseException leaseException ? leaseException
                    : new LeaseException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException("interrupted while waiting for Redis", e);
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /** Options of a {@link LeaseManager}; every setter checks its value at once. */
    public static final class Builder {

        private final RedisClient client;
        private final StatefulRedisConnection<String, String> connection;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService scheduler;
        private boolean autoRenew = true;
        private double renewalFraction = DEFAULT_RENEWAL_FRACTION;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration fenceRetention = DEFAULT_FENCE_RETENTION;

        private Builder(RedisClient client, StatefulRedisConnection<String, String> connection) {
            this.client = client;
            this.connection = connection;
        }

        /** Prefix of every key (default {@value LeaseManager#DEFAULT_KEY_PREFIX}); no braces. */
        public Builder keyPrefix(String keyPrefix) {
            new LeaseKeys(keyPrefix); // validates
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** The clock that {@link Lease#isValid()} and the watchdog's deadlines read (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Where renewals are scheduled; the caller keeps ownership and shuts it down. Default: one
         * daemon thread of the manager's own, stopped on {@link LeaseManager#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Whether leases renew themselves until released (default true). */
        public Builder autoRenew(boolean autoRenew) {
            this.autoRenew = autoRenew;
            return this;
        }

        /** Renew after this fraction of the TTL, strictly between 0 and 1 (default 1/3). */
        public Builder renewalFraction(double renewalFraction) {
            if (!(renewalFraction > 0 && renewalFraction < 1)) {
                throw new IllegalArgumentException("renewalFraction must be strictly between 0 and 1, got " + renewalFraction);
            }
            this.renewalFraction = renewalFraction;
            return this;
        }

        /** How long any call waits for Redis before failing with {@link LeaseException} (default 2 s). */
        public Builder commandTimeout(Duration commandTimeout) {
            if (commandTimeout == null || commandTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("commandTimeout must be at least 1 ms, got " + commandTimeout);
            }
            this.commandTimeout = commandTimeout;
            return this;
        }

        /**
         * How long a fence key outlives its resource's last lease (default 10 minutes);
         * {@link Duration#ZERO} keeps fence keys forever.
         */
        public Builder fenceRetention(Duration fenceRetention) {
            if (fenceRetention == null || fenceRetention.isNegative()) {
                throw new IllegalArgumentException("fenceRetention must be zero or positive, got " + fenceRetention);
            }
            this.fenceRetention = fenceRetention;
            return this;
        }

        /**
         * Connects (when built from a client) and loads the scripts into Redis.
         *
         * @throws LeaseException if Redis cannot be reached or refuses the scripts
         */
        public LeaseManager build() {
            StatefulRedisConnection<String, String> used = connection;
            if (used == null) {
                try {
                    used = client.connect();
                } catch (RedisException e) {
                    throw new LeaseException("cannot connect to Redis: " + e.getMessage(), e);
                }
            }
            try {
                RedisLeaseStore redis = new RedisLeaseStore(used, keys(), commandTimeout, fenceRetention);
                redis.loadScripts();
                return new LeaseManager(this, redis, connection == null ? used : null);
            } catch (RuntimeException e) {
                if (connection == null) {
                    used.close();
                }
                throw e;
            }
        }

        /** A manager on another store: unit tests step the renewal logic with an in-memory one. */
        LeaseManager build(LeaseStore store) {
            return new LeaseManager(this, store, null);
        }

        private LeaseKeys keys() {
            return new LeaseKeys(keyPrefix);
        }
    }

    /** A builder for {@link #build(LeaseStore)} alone (unit tests). */
    static Builder builderForStore() {
        return new Builder(null, null);
    }
}
