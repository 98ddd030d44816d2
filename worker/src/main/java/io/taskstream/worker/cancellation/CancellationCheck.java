package io.taskstream.worker.cancellation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How the worker reads cancel flags: once before an attempt starts ({@link #isCancelled(UUID)}),
 * and, while the handler runs, through a cached view behind {@code TaskContext.isCancelled()}
 * ({@link #during(UUID)}).
 *
 * <h2>A flag that cannot be read counts as "not cancelled"</h2>
 * When the {@link CancellationFlags} throw (Redis down or slower than its command timeout), the
 * task is treated as not cancelled: the failure is counted in
 * {@value #FAILURES_METRIC} ({@code taskstream_worker_cancel_check_failures_total}) and logged as a
 * warning once per outage (then at debug level, until a read succeeds again). The attempt is never
 * failed because of it. Why:
 * <ul>
 *   <li>Cancellation is best effort on the worker's side. The scheduler also marks a dispatched
 *       task cancel-requested, and ends it {@code CANCELLED} whatever the attempt reports, except
 *       {@code COMPLETED}. So a missed flag costs one run of a task that was cancelled while it was
 *       due anyway: the same harm as a cancel that arrives just after the handler finished.</li>
 *   <li>Failing (or holding back) attempts instead would turn a Redis outage into failed, retried
 *       and dead-lettered tasks of every type, on every worker.</li>
 * </ul>
 *
 * <h2>The cached view</h2>
 * A handler may ask {@code isCancelled()} in a loop. The view re-reads the flag at most once per
 * {@code recheckInterval} (by the injected {@link Clock}); in between it answers the last value.
 * Once it has seen the flag set it stays {@code true} for the rest of the attempt (a cancel is not
 * taken back). A failed re-read also waits for the next interval, so a dead Redis is not asked on
 * every call.
 */
public final class CancellationCheck {

    /** Counts flag reads that failed (and were answered "not cancelled"). */
    public static final String FAILURES_METRIC = "taskstream.worker.cancel.check.failures";

    private static final Logger log = LoggerFactory.getLogger(CancellationCheck.class);

    private final CancellationFlags flags;
    private final Clock clock;
    private final Duration recheckInterval;
    private final Counter failures;
    /** Whether the latest read failed: one warning per outage, not one per read. */
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * @param recheckInterval how stale the cached view may be ({@link Duration#ZERO}: every call reads)
     */
    public CancellationCheck(CancellationFlags flags, Clock clock, Duration recheckInterval, MeterRegistry meters) {
        this.flags = Objects.requireNonNull(flags, "flags");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recheckInterval = Objects.requireNonNull(recheckInterval, "recheckInterval");
        if (recheckInterval.isNegative()) {
            throw new IllegalArgumentException("recheckInterval must not be negative");
        }
        this.failures = Counter.builder(FAILURES_METRIC)
                .description("Cancel flags that could not be read; the task was treated as not cancelled")
                .register(Objects.requireNonNull(meters, "meters"));
    }

    /** Reads the flag now; {@code false} if it cannot be read (see the class comment). */
    public boolean isCancelled(UUID taskId) {
        try {
            boolean cancelled = flags.isCancelled(taskId);
            if (failing.compareAndSet(true, false)) {
                log.info("Cancel flags can be read again (task {})", taskId);
            }
            return cancelled;
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return false; // shutting down (the read was interrupted), not a Redis failure: the attempt is abandoned
            }
            failures.increment();
            if (failing.compareAndSet(false, true)) {
                log.warn("Could not read the cancel flag of task {}; treating it, and every task until the flags"
                        + " can be read again, as not cancelled ({} failed reads so far): {}", taskId,
                        (long) failures.count(), describe(e));
            } else {
                log.debug("Could not read the cancel flag of task {}: {}", taskId, describe(e));
            }
            return false;
        }
    }

    /** Spring's "Redis exception" says little: name the cause (e.g. "Currently not connected"). */
    private static String describe(RuntimeException e) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
        return cause == e ? e.toString() : e + " (" + cause + ")";
    }

    /**
     * The flag of a running attempt, as {@code TaskContext.isCancelled()} answers it (see the class
     * comment), starting from a read that found it not set at {@code notCancelledAt}: the next read
     * happens one {@code recheckInterval} after that.
     */
    public BooleanSupplier during(UUID taskId, Instant notCancelledAt) {
        return new CachedFlag(taskId, notCancelledAt);
    }

    /** One attempt's view of its flag. */
    private final class CachedFlag implements BooleanSupplier {

        private final UUID taskId;
        /** One read at a time, should a handler ask from several threads; guards the two fields below. */
        private final ReentrantLock lock = new ReentrantLock();
        private boolean cancelled;
        private Instant readAt;

        CachedFlag(UUID taskId, Instant notCancelledAt) {
            this.taskId = taskId;
            this.readAt = Objects.requireNonNull(notCancelledAt, "notCancelledAt");
        }

        @Override
        public boolean getAsBoolean() {
            lock.lock();
            try {
                if (!cancelled) {
                    Instant now = clock.instant();
                    if (due(now)) {
                        cancelled = isCancelled(taskId);
                        readAt = now;
                    }
                }
                return cancelled;
            } finally {
                lock.unlock();
            }
        }

        /** A clock that went backwards (wall-clock adjustment) must not postpone the next read. */
        private boolean due(Instant now) {
            return now.isBefore(readAt) || !now.isBefore(readAt.plus(recheckInterval));
        }
    }
}
