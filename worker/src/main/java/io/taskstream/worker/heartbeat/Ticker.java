package io.taskstream.worker.heartbeat;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One step run again and again on a daemon thread of its own, from {@link #start()} to
 * {@link #stop()}: the heartbeat ({@link HeartbeatPublisher#beat()}) and the supervisor's check
 * ({@link LoopSupervisor#check()}). The step is the owner's manual step, so tests call it directly
 * and start no ticker.
 *
 * <p>A step that throws is logged and runs again at the next tick (a bare
 * {@code ScheduledExecutorService} would silently never run it again). {@link #stop()} lets a step in
 * progress finish for up to {@code stopTimeout}, then interrupts it.
 */
final class Ticker {

    /** When the next run starts. */
    enum Pacing {
        /** A period after the previous run started: a steady cadence, catching up after a slow run. */
        FIXED_RATE,
        /** A period after the previous run ended: never two runs back to back. */
        FIXED_DELAY
    }

    private static final Logger log = LoggerFactory.getLogger(Ticker.class);

    private final String threadName;
    private final Pacing pacing;
    private final Duration initialDelay;
    private final Duration period;
    private final Duration stopTimeout;
    private final Runnable step;

    /** Guarded by this: the thread, between start and stop. */
    private ScheduledExecutorService executor;

    Ticker(String threadName, Pacing pacing, Duration initialDelay, Duration period, Duration stopTimeout,
           Runnable step) {
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.pacing = Objects.requireNonNull(pacing, "pacing");
        this.initialDelay = Objects.requireNonNull(initialDelay, "initialDelay");
        this.period = Objects.requireNonNull(period, "period");
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
        this.step = Objects.requireNonNull(step, "step");
    }

    /** Starts the thread; does nothing when it runs already. */
    synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(threadName).daemon().factory());
        long delay = initialDelay.toMillis();
        long every = period.toMillis();
        switch (pacing) {
            case FIXED_RATE -> executor.scheduleAtFixedRate(this::tick, delay, every, TimeUnit.MILLISECONDS);
            case FIXED_DELAY -> executor.scheduleWithFixedDelay(this::tick, delay, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stops the thread, waiting up to {@code stopTimeout} for a step in progress, then interrupting it.
     * Call it holding no lock the step takes: it waits for the step.
     *
     * @return whether it was running
     */
    boolean stop() {
        ScheduledExecutorService stopping;
        synchronized (this) {
            stopping = executor;
            executor = null;
        }
        if (stopping == null) {
            return false;
        }
        stopping.shutdown();
        try {
            if (!stopping.awaitTermination(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stopping.shutdownNow();
            }
        } catch (InterruptedException e) {
            stopping.shutdownNow();
            Thread.currentThread().interrupt();
        }
        return true;
    }

    synchronized boolean isRunning() {
        return executor != null;
    }

    private void tick() {
        try {
            step.run();
        } catch (RuntimeException e) {
            // a bug, not an outage (the steps handle those): keep ticking rather than stop for good
            log.error("{} failed; it runs again in {}", threadName, period, e);
        }
    }
}
