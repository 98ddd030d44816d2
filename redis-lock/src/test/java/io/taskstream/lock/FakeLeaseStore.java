package io.taskstream.lock;

import io.taskstream.embedded.MutableClock;

import io.taskstream.lock.internal.Holder;
import io.taskstream.lock.internal.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link LeaseStore} with Redis's semantics (keys expire on the test clock) and
 * switches to make it unreachable or hand a lease to someone else.
 */
final class FakeLeaseStore implements LeaseStore {

    private record Entry(String value, Instant expiresAt) { }

    private final MutableClock clock;
    private final Map<String, Entry> leases = new HashMap<>();
    private final Map<String, Long> fences = new HashMap<>();
    final AtomicInteger renewals = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    private volatile boolean unreachable;
    /** Non-null while renewals are left unanswered (Redis hangs); the test completes it. */
    private volatile CompletableFuture<Boolean> hangingRenewal;
    private volatile boolean hangRenewals;

    FakeLeaseStore(MutableClock clock) {
        this.clock = clock;
    }

    void unreachable(boolean unreachable) {
        this.unreachable = unreachable;
    }

    void hangRenewals(boolean hang) {
        this.hangRenewals = hang;
    }

    CompletableFuture<Boolean> hangingRenewal() {
        return hangingRenewal;
    }

    synchronized void takeOver(String resource, String value) {
        leases.put(resource, new Entry(value, clock.instant().plusSeconds(3600)));
    }

    synchronized String valueOf(String resource) {
        Entry entry = live(resource);
        return entry == null ? null : entry.value;
    }

    synchronized Instant expiryOf(String resource) {
        Entry entry = live(resource);
        return entry == null ? null : entry.expiresAt;
    }

    @Override
    public synchronized CompletableFuture<Long> acquire(String resource, String owner, Duration ttl) {
        if (unreachable) {
            return down("acquire");
        }
        if (live(resource) != null) {
            return CompletableFuture.completedFuture(0L);
        }
        long token = fences.merge(resource, 1L, Long::sum);
        leases.put(resource, new Entry(owner + ':' + token, clock.instant().plus(ttl)));
        return CompletableFuture.completedFuture(token);
    }

    @Override
    public synchronized CompletableFuture<Boolean> renew(Holder holder, Duration ttl) {
        renewals.incrementAndGet();
        if (unreachable) {
            return down("renew");
        }
        if (hangRenewals) {
            hangingRenewal = new CompletableFuture<>();
            return hangingRenewal;
        }
        Entry entry = live(holder.resource());
        if (entry == null || !entry.value.equals(holder.value())) {
            return CompletableFuture.completedFuture(false);
        }
        leases.put(holder.resource(), new Entry(entry.value, clock.instant().plus(ttl)));
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public synchronized CompletableFuture<Boolean> release(Holder holder) {
        releases.incrementAndGet();
        if (unreachable) {
            return down("release");
        }
        Entry entry = live(holder.resource());
        if (entry == null || !entry.value.equals(holder.value())) {
            return CompletableFuture.completedFuture(false);
        }
        leases.remove(holder.resource());
        return CompletableFuture.completedFuture(true);
    }

    private Entry live(String resource) {
        Entry entry = leases.get(resource);
        if (entry != null && !clock.instant().isBefore(entry.expiresAt)) {
            leases.remove(resource);
            return null;
        }
        return entry;
    }

    private static <T> CompletableFuture<T> down(String operation) {
        return CompletableFuture.failedFuture(new LeaseException("Redis did not answer the " + operation));
    }
}
