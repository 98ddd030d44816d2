package io.taskstream.lock;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The exclusive right to work on one resource (for Taskstream: one task id) until it expires,
 * together with the fencing token that proves it. Obtained from
 * {@link LeaseManager#tryAcquire(String, Duration, String)}.
 *
 * <p>A lease can end in three ways: its holder {@linkplain #release() releases} or
 * {@linkplain #close() closes} it; it is {@linkplain #lost() lost} (renewal failed, see
 * {@link LossReason}); or, without automatic renewal, it simply expires and {@link #isValid()}
 * turns false. Holding a lease object is therefore no proof of ownership: check
 * {@link #isValid()} (or listen to {@link #lost()}) before every side effect that must not run
 * twice, and send {@link #fencingToken()} along with every write so that downstream systems can
 * reject writes from a holder that lost the lease without noticing (a long GC pause, a frozen VM).
 *
 * <p>Thread-safe. Not re-entrant: the same owner asking for the same resource again is refused
 * like anyone else.
 */
public interface Lease extends AutoCloseable {

    /** The resource this lease is on, as given to {@code tryAcquire}. */
    String resource();

    /** Who holds it, as given to {@code tryAcquire} (a worker id, say). */
    String owner();

    /**
     * A number that is larger than the token of every earlier lease on the same resource. Compare
     * it where results are accepted: a result carrying a smaller token than one already seen comes
     * from a holder that lost its lease.
     */
    long fencingToken();

    /** The TTL the lease was taken (and is renewed) with. */
    Duration ttl();

    /**
     * Whether the holder may still act: not released, not lost, and the local clock is before
     * {@link #validUntil()}. Redis is authoritative; this is a conservative local estimate.
     */
    boolean isValid();

    /**
     * When the lease expires at the earliest: the local time at which the last successful acquire
     * or renewal was <em>sent</em>, plus the TTL. Redis starts its TTL on receipt, so the key never
     * expires before this moment unless the two clocks run at different rates.
     */
    Instant validUntil();

    /** Why the lease was lost, or empty while held, released or simply expired. */
    Optional<LossReason> lossReason();

    /**
     * Extends the lease by its TTL from now, if it is still held by this holder (an atomic
     * compare-and-PEXPIRE in Redis). Not needed when automatic renewal is on.
     *
     * @return {@code true} if extended; {@code false} if the lease was released or lost before, or
     *     Redis says the key is gone or belongs to someone else (the lease is then lost with
     *     {@link LossReason#TAKEN_OVER} and the listener is told)
     * @throws LeaseException if Redis cannot be reached in time; the lease stays as it was
     */
    boolean renew();

    /**
     * Stops renewing and deletes the key if, and only if, it still holds this lease (an atomic
     * compare-and-delete in Redis): never deletes another holder's lease. Idempotent.
     *
     * @return {@code true} if this call deleted the key; {@code false} if it was released before,
     *     or the key had expired or been taken over
     * @throws LeaseException if Redis cannot be reached in time; the lease is released locally
     *     anyway (no more renewals) and the key expires after its TTL
     */
    boolean release();

    /**
     * Completes when the lease is lost before being released (see {@link LeaseListener}); never
     * completes if it is released first. Dependent actions run on the thread that noticed the
     * loss unless added with an {@code …Async} method.
     */
    CompletionStage<Void> lost();

    /**
     * Releases the lease ({@link #release()}) without throwing: a failure to reach Redis is logged
     * and the key expires after its TTL. Use {@link #release()} to see the outcome.
     */
    @Override
    void close();
}
