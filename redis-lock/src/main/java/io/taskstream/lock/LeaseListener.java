package io.taskstream.lock;

/**
 * Told once when a {@link Lease} is lost before its holder released it, so the holder can stop
 * its work (and, for a task, discard its result). Releasing or closing a lease does not call it.
 *
 * <p>It runs on the thread that noticed the loss: the renewal watchdog's scheduler thread, or the
 * holder's own thread inside {@link Lease#renew()}. Keep it short and non-blocking (cancel a
 * future, interrupt a thread, set a flag): a slow listener delays other leases' renewals.
 * An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface LeaseListener {

    /** A listener that does nothing; {@link Lease#lost()} and {@link Lease#isValid()} still tell. */
    LeaseListener NONE = (lease, reason) -> { };

    void onLost(Lease lease, LossReason reason);
}
