package io.taskstream.worker.support;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.taskstream.worker.cancellation.CancellationFlags;

/**
 * Cancel flags in memory: {@link #cancel(UUID)} sets one, {@link #failWith(RuntimeException)} makes
 * every read fail (Redis down) until {@link #recover()}. Counts reads, so tests can see caching.
 */
public final class InMemoryCancellationFlags implements CancellationFlags {

    private final Set<UUID> cancelled = ConcurrentHashMap.newKeySet();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile RuntimeException failure;

    public InMemoryCancellationFlags cancel(UUID taskId) {
        cancelled.add(taskId);
        return this;
    }

    public InMemoryCancellationFlags failWith(RuntimeException failure) {
        this.failure = failure;
        return this;
    }

    public InMemoryCancellationFlags recover() {
        this.failure = null;
        return this;
    }

    /** Reads so far, failed ones included. */
    public int reads() {
        return reads.get();
    }

    @Override
    public boolean isCancelled(UUID taskId) {
        reads.incrementAndGet();
        RuntimeException failing = failure;
        if (failing != null) {
            throw failing;
        }
        return cancelled.contains(taskId);
    }
}
