package io.taskstream.worker.lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.lock.Lease;
import io.taskstream.lock.LeaseManager;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.worker.execution.AttemptLeases;
import io.taskstream.schemas.tracing.Tracing;

/**
 * {@link AttemptLeases} on Redis: the lease of {@code redis-lock} on the task id (so one worker at a
 * time runs a task, whatever the attempt), and a marker {@code <finishedPrefix><taskId>:<eventVersion>}
 * set once an attempt's result is durable (so a redelivered attempt is not run again).
 *
 * <h2>Waiting</h2>
 * A lease held by another worker is asked for again every {@code retryEvery} until
 * {@code giveUpAt} (the dispatch's deadline): the dispatch is deferred, never dropped. Each wait is
 * counted in {@code taskstream.worker.lease.waits}.
 *
 * <h2>Redis unreachable: fail open</h2>
 * The lease manager connects on first use, not at start-up, and connects again (at most once per
 * {@code retryEvery}) after a failed try. If Redis cannot be reached the attempt runs without a
 * lease (fencing token 0), counted in
 * {@code taskstream.worker.lease.unavailable} and logged once per outage — the same choice as for
 * cancel flags: an outage of Redis must not stop every worker. Exclusivity is suspended meanwhile
 * (two workers may run one task around a rebalance), which at-least-once delivery allows.
 *
 * <h2>Finished markers</h2>
 * Read before a lease is taken and written after the result is durable; both fail open (a marker
 * that cannot be read counts as absent, one that cannot be written is logged): the scheduler
 * discards a duplicate result of an attempt it has already closed.
 */
public final class RedisAttemptLeases implements AttemptLeases, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisAttemptLeases.class);

    /**
     * @param ttl            how long a lease lasts unless renewed (the manager renews it while held)
     * @param retryEvery     how long to wait before asking again for a lease that is held
     * @param finishedPrefix the key prefix of finished markers
     * @param finishedFor    how long a finished marker is kept
     */
    public record Settings(Duration ttl, Duration retryEvery, String finishedPrefix, Duration finishedFor) {
        public Settings {
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(retryEvery, "retryEvery");
            Objects.requireNonNull(finishedPrefix, "finishedPrefix");
            Objects.requireNonNull(finishedFor, "finishedFor");
        }
    }

    private final Supplier<LeaseManager> connect;
    private LeaseManager leases; // guarded by this
    private Instant nextConnectAt = Instant.MIN; // guarded by this
    private final StringRedisTemplate redis;
    private final Clock clock;
    private final MeterRegistry meters;
    private final String workerId;
    private final Settings settings;
    private final AtomicBoolean outage = new AtomicBoolean();
    private final Tracing tracing;

    /**
     * @param connect builds a connected lease manager (throws if Redis cannot be reached); called on
     *                first use and again after a failure, at most once per {@code retryEvery}
     * @param tracing each Redis call made for an attempt is a span of the attempt's trace
     */
    public RedisAttemptLeases(Supplier<LeaseManager> connect, StringRedisTemplate redis, Clock clock,
                              MeterRegistry meters, String workerId, Settings settings, Tracing tracing) {
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        this.connect = Objects.requireNonNull(connect, "connect");
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public Optional<AttemptLease> acquire(TaskDispatch dispatch, Instant giveUpAt) throws InterruptedException {
        String resource = dispatch.taskId().toString();
        while (true) {
            try {
                Optional<Lease> lease = tracing.client("redis", "lease acquire",
                        () -> manager().tryAcquire(resource, settings.ttl(), workerId));
                if (outage.compareAndSet(true, false)) {
                    log.info("Redis answers again: attempts run under task leases again");
                }
                if (lease.isPresent()) {
                    return Optional.of(new Held(lease.get()));
                }
            } catch (RuntimeException e) { // LeaseException, a Lettuce failure, a client shut down: Redis cannot be asked
                if (outage.compareAndSet(false, true)) {
                    log.warn("Cannot take task leases, Redis is unreachable ({}): attempts run without a lease until"
                            + " it answers again", e.getMessage());
                }
                Counter.builder("taskstream.worker.lease.unavailable")
                        .description("Attempts run without a lease because Redis could not be reached")
                        .register(meters).increment();
                return Optional.of(AttemptLease.UNFENCED);
            }
            Counter.builder("taskstream.worker.lease.waits")
                    .description("Times an attempt waited for its task's lease, held by another worker")
                    .register(meters).increment();
            Instant now = clock.instant();
            if (!now.plus(settings.retryEvery()).isBefore(giveUpAt)) {
                return Optional.empty();
            }
            Thread.sleep(settings.retryEvery());
        }
    }

    /** The connected manager; connects first if need be (throws while Redis cannot be reached). */
    private synchronized LeaseManager manager() {
        if (leases == null) {
            Instant now = clock.instant();
            if (now.isBefore(nextConnectAt)) {
                throw new IllegalStateException("not connected to Redis; trying again at " + nextConnectAt);
            }
            nextConnectAt = now.plus(settings.retryEvery());
            leases = connect.get();
        }
        return leases;
    }

    @Override
    public synchronized void close() {
        if (leases != null) {
            leases.close();
            leases = null;
        }
    }

    @Override
    public boolean isFinished(TaskDispatch dispatch) {
        try {
            return Boolean.TRUE.equals(tracing.client("redis", "EXISTS finished", () -> redis.hasKey(finishedKey(dispatch))));
        } catch (RuntimeException e) {
            log.warn("Could not read whether attempt {} of task {} finished: {}", dispatch.attempt(),
                    dispatch.taskId(), e.toString());
            return false;
        }
    }

    @Override
    public void finished(TaskDispatch dispatch) {
        try {
            redis.opsForValue().set(finishedKey(dispatch), workerId, settings.finishedFor());
        } catch (RuntimeException e) {
            log.warn("Could not mark attempt {} of task {} finished: {}", dispatch.attempt(), dispatch.taskId(),
                    e.toString());
        }
    }

    /**
     * Per dispatch, not per attempt number: a replayed task runs attempt 1 again and a deferred
     * attempt is dispatched again under its number, each time with a new event version.
     */
    String finishedKey(TaskDispatch dispatch) {
        return settings.finishedPrefix() + dispatch.taskId() + ":" + dispatch.eventVersion();
    }

    private static final class Held implements AttemptLease {
        private final Lease lease;

        Held(Lease lease) {
            this.lease = lease;
        }

        @Override
        public long fencingToken() {
            return lease.fencingToken();
        }

        @Override
        public boolean isValid() {
            return lease.isValid();
        }

        @Override
        public void close() {
            try {
                lease.close();
            } catch (RuntimeException e) {
                // it expires by itself
                log.warn("Could not release the lease of task {}: {}", lease.resource(), e.toString());
            }
        }
    }
}
