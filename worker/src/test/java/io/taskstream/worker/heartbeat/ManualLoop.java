package io.taskstream.worker.heartbeat;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Supervised} loop that tests move by hand: {@link #turn()} makes progress, {@link #die()}
 * ends it, {@link #failRestartsWith} makes restarts throw.
 */
final class ManualLoop implements Supervised {

    private volatile boolean alive;
    private volatile long progress;
    private volatile RuntimeException restartFailure;
    final AtomicInteger restarts = new AtomicInteger();

    ManualLoop start() {
        alive = true;
        return this;
    }

    ManualLoop turn() {
        progress++;
        return this;
    }

    ManualLoop die() {
        alive = false;
        return this;
    }

    ManualLoop failRestartsWith(RuntimeException failure) {
        restartFailure = failure;
        return this;
    }

    @Override
    public String name() {
        return "manual-loop";
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    @Override
    public long progress() {
        return progress;
    }

    @Override
    public void restart() {
        restarts.incrementAndGet();
        if (restartFailure != null) {
            throw restartFailure;
        }
        alive = true;
    }
}
