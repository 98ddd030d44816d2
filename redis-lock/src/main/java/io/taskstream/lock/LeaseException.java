package io.taskstream.lock;

/**
 * Redis could not answer a lease operation: it is unreachable, did not answer within the
 * command timeout, or answered with an error.
 *
 * <p>The outcome of the operation is unknown when this is thrown: an acquire that timed out may
 * still have taken the lease in Redis (it then expires after its TTL), and a release that failed
 * leaves the key to expire. A lease that is merely held by someone else is not an error:
 * {@link LeaseManager#tryAcquire} answers {@code Optional.empty()} and {@link Lease#renew()} /
 * {@link Lease#release()} answer {@code false}.
 */
public class LeaseException extends RuntimeException {

    public LeaseException(String message) {
        super(message);
    }

    public LeaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
