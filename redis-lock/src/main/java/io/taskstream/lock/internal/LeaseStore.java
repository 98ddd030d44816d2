package io.taskstream.lock.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The three atomic operations a lease needs from its storage. {@link RedisLeaseStore} is the
 * real one; unit tests use an in-memory one so that the renewal logic can be stepped by hand.
 *
 * <p>Every future completes, normally or exceptionally with a
 * {@link io.taskstream.lock.LeaseException}, within the store's command timeout.
 */
public interface LeaseStore {

    /**
     * Takes the lease on {@code resource} for {@code owner} if nobody holds it.
     *
     * @return the new fencing token, or 0 if the lease is held
     */
    CompletableFuture<Long> acquire(String resource, String owner, Duration ttl);

    /** Extends the lease if {@code holder} still holds it; {@code false} if it does not. */
    CompletableFuture<Boolean> renew(Holder holder, Duration ttl);

    /** Deletes the lease if {@code holder} still holds it; {@code false} if it does not. */
    CompletableFuture<Boolean> release(Holder holder);
}
