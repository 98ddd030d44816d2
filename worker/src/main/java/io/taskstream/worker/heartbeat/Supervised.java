package io.taskstream.worker.heartbeat;

/**
 * A loop on a thread of its own that the {@link LoopSupervisor} watches and restarts: the worker's
 * poll loop. Every {@code Supervised} bean of the application is supervised.
 */
public interface Supervised {

    /** Names the loop in logs, health details and the restarts metric's {@code loop} tag. */
    String name();

    /**
     * Whether the loop's thread is alive and meant to run. {@code false} before the loop was first
     * started (the supervisor leaves a loop alone until it has seen it alive once) and after it
     * ended — on purpose or not.
     */
    boolean isAlive();

    /**
     * A count that grows each time the loop completes a turn (for a poll loop: every poll that
     * returned). Only its changes matter; it must change at least every few poll timeouts while the
     * loop is healthy, idle or not.
     */
    long progress();

    /**
     * Ends what is left of the loop — wakes and interrupts its thread and waits for it to end, so
     * that no two threads ever run the loop — then starts a fresh one. Throws if it cannot; the
     * supervisor tries again later.
     */
    void restart();
}
