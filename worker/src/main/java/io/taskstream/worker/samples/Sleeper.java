package io.taskstream.worker.samples;

import java.time.Duration;

/** How the sample handlers pass time; tests give one that only records what was asked. */
@FunctionalInterface
public interface Sleeper {

    void sleep(Duration duration) throws InterruptedException;

    /** Really sleeps, on the handler's own (virtual) thread. */
    static Sleeper real() {
        return Thread::sleep;
    }
}
