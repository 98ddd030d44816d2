package io.taskstream.worker.support;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/** An execution lane the test steps by hand: nothing runs until {@link #runNext()} or {@link #runAll()}. */
public final class ManualLane extends AbstractExecutorService {

    private final Queue<Runnable> queued = new ArrayDeque<>();
    private boolean shutdown;

    @Override
    public synchronized void execute(Runnable command) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        queued.add(command);
    }

    public void runNext() {
        Runnable next;
        synchronized (this) {
            next = queued.remove();
        }
        next.run();
    }

    public void runAll() {
        while (queuedCount() > 0) {
            runNext();
        }
    }

    public synchronized int queuedCount() {
        return queued.size();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = List.copyOf(queued);
        queued.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queued.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
