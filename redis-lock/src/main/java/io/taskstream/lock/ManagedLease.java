package io.taskstream.lock;

import io.taskstream.lock.internal.Holder;
import io.taskstream.lock.internal.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@link Lease} handed out by {@link LeaseManager}, with its renewal watchdog.
 *
 * <p>The watchdog is a chain of one-shot ticks on the manager's scheduler. A tick sends a renewal
 * (asynchronously: the scheduler thread never waits for Redis) and arms a deadline tick at
 * {@link #validUntil()}. The renewal's answer, handled back on the scheduler, either extends the
 * lease and schedules the next renewal one renewal interval later, or marks the lease
 * {@link LossReason#TAKEN_OVER}; an error schedules a retry no later than the deadline. A tick that
 * finds the local clock at or past the deadline marks the lease {@link LossReason#EXPIRED}.
 */
final class ManagedLease implements Lease {

    private static final System.Logger LOG = System.getLogger(Lease.class.getName());

    private enum State { HELD, RELEASED, LOST }

    private final Holder holder;
    private final Duration ttl;
    private final LeaseStore store;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** Null when the holder renews by hand. */
    private final Duration renewEvery;
    private final LeaseListener listener;
    /** Tells the manager this lease no longer needs to be stopped when it closes. */
    private final Consumer<ManagedLease> onEnd;
    private final CompletableFuture<Void> lost = new CompletableFuture<>();

    // Guards every field below, which the holder's thread (renew, release) and the watchdog's
    // callbacks both change. Never held while waiting for Redis or calling a listener.
    private final Object lock = new Object();
    private State state = State.HELD;
    private LossReason lossReason;
    private Instant validUntil;
    private boolean renewalInFlight;
    private Future<?> nextTick;

    ManagedLease(Holder holder, Duration ttl, Instant validUntil, LeaseStore store, Clock clock,
            ScheduledExecutorService scheduler, Duration renewEvery, LeaseListener listener,
            Consumer<ManagedLease> onEnd) {
        this.holder = holder;
        this.ttl = ttl;
        this.validUntil = validUntil;
        this.store = store;
        this.clock = clock;
        this.scheduler = scheduler;
        this.renewEvery = renewEvery;
        this.listener = listener;
        this.onEnd = onEnd;
    }

    @Override
    public String resource() {
        return holder.resource();
    }

    @Override
    public String owner() {
        return holder.owner();
    }

    @Override
    public long fencingToken() {
        return holder.fencingToken();
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public boolean isValid() {
        synchronized (lock) {
            return state == State.HELD && clock.instant().isBefore(validUntil);
        }
    }

    @Override
    public Instant validUntil() {
        synchronized (lock) {
            return validUntil;
        }
    }

    @Override
    public Optional<LossReason> lossReason() {
        synchronized (lock) {
            return Optional.ofNullable(lossReason);
        }
    }

    @Override
    public CompletionStage<Void> lost() {
        return lost.minimalCompletionStage();
    }

    @Override
    public boolean renew() {
        Instant sentAt;
        synchronized (lock) {
            if (state != State.HELD) {
                return false;
            }
            sentAt = clock.instant();
        }
        boolean held = await(store.renew(holder, ttl));
        Runnable signal;
        synchronized (lock) {
            if (state != State.HELD) {
                return false;
            }
            if (held) {
                extendLocked(sentAt.plus(ttl));
                return true;
            }
            signal = loseLocked(LossReason.TAKEN_OVER);
        }
        signal.run();
        return false;
    }

    @Override
    public boolean release() {
        synchronized (lock) {
            if (state == State.RELEASED) {
                return false;
            }
            // A lost lease still tries: compare-and-delete is safe, and the key may still be ours
            // (lost by EXPIRED only means Redis could not be reached for a while).
            state = State.RELEASED;
            cancelTickLocked();
        }
        onEnd.accept(this);
        return await(store.release(holder));
    }

    @Override
    public void close() {
        try {
            release();
        } catch (LeaseException e) {
            LOG.log(System.Logger.Level.WARNING, "could not release " + this + "; it expires after its TTL", e);
        }
    }

    /** Starts automatic renewal, if the manager asked for it. */
    void startWatchdog() {
        if (renewEvery == null) {
            return;
        }
        synchronized (lock) {
            if (state == State.HELD) {
                scheduleTickLocked(renewEvery);
            }
        }
    }

    /** Stops renewing because the manager closes, and tells the holder. */
    void abandon() {
        Runnable signal;
        synchronized (lock) {
            if (state != State.HELD) {
                return;
            }
            signal = loseLocked(LossReason.MANAGER_CLOSED);
        }
        signal.run();
    }

    private void tick() {
        Runnable signal = null;
        synchronized (lock) {
            nextTick = null;
            if (state != State.HELD) {
                return;
            }
            Instant now = clock.instant();
            if (!now.isBefore(validUntil)) {
                signal = loseLocked(LossReason.EXPIRED);
            } else {
                if (!renewalInFlight) {
                    renewalInFlight = true;
                    sendRenewal(now);
                }
                // The deadline: fires only if no answer arrives before the lease may have expired.
                scheduleTickLocked(Duration.between(now, validUntil));
            }
        }
        if (signal != null) {
            signal.run();
        }
    }

    private void sendRenewal(Instant sentAt) {
        try {
            store.renew(holder, ttl).whenCompleteAsync((held, error) -> renewed(sentAt, held, error), scheduler);
        } catch (RejectedExecutionException e) {
            renewalInFlight = false; // the scheduler is shutting down with its manager
        }
    }

    private void renewed(Instant sentAt, Boolean held, Throwable error) {
        Runnable signal = null;
        synchronized (lock) {
            renewalInFlight = false;
            if (state != State.HELD) {
                return;
            }
            cancelTickLocked();
            if (error == null && held) {
                extendLocked(sentAt.plus(ttl));
                scheduleTickLocked(renewEvery);
            } else if (error == null) {
                signal = loseLocked(LossReason.TAKEN_OVER);
            } else {
                Duration untilDeadline = Duration.between(clock.instant(), validUntil);
                LOG.log(System.Logger.Level.WARNING, "renewal of " + this + " failed; retrying, "
                        + untilDeadline.toMillis() + " ms left before it may expire: " + unwrap(error).getMessage());
                scheduleTickLocked(untilDeadline.compareTo(renewEvery) < 0 ? untilDeadline : renewEvery);
            }
        }
        if (signal != null) {
            signal.run();
        }
    }

    private void extendLocked(Instant candidate) {
        if (candidate.isAfter(validUntil)) {
            validUntil = candidate;
        }
    }

    private void scheduleTickLocked(Duration delay) {
        try {
            nextTick = scheduler.schedule(this::tick, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            nextTick = null; // the scheduler is shutting down with its manager
        }
    }

    private void cancelTickLocked() {
        if (nextTick != null) {
            nextTick.cancel(false);
            nextTick = null;
        }
    }

    /** Marks the lease lost; returns what tells the holder, to be run once the lock is let go. */
    private Runnable loseLocked(LossReason reason) {
        state = State.LOST;
        lossReason = reason;
        cancelTickLocked();
        return () -> {
            onEnd.accept(this);
            LOG.log(reason == LossReason.MANAGER_CLOSED ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                    "lost " + this + ": " + reason);
            lost.complete(null);
            try {
                listener.onLost(this, reason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "lease listener failed for " + this, e);
            }
        };
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(); // bounded: a LeaseStore completes every future within its command timeout
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            throw cause instanceof LeaseException leaseException ? leaseException
                    : new LeaseException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException("interrupted while waiting for Redis", e);
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && !(cause instanceof LeaseException)) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public String toString() {
        return "Lease[" + holder.resource() + " held by " + holder.owner() + ", token " + holder.fencingToken() + "]";
    }
}
