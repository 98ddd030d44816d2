package io.taskstream.worker.samples;

import java.time.Duration;

import io.taskstream.worker.handler.TaskContext;

/** How the sample handlers pass time; tests give one that only records what was asked. */
@FunctionalInterface
public interface Sleeper {

    /** The longest stretch slept between two looks at {@link TaskContext#isCancelled()}. */
    Duration SLICE = Duration.ofMillis(100);

    void sleep(Duration duration) throws InterruptedException;

    /**
     * Sleeps {@code duration} in slices of at most {@link #SLICE}, and stops early once the task is
     * cancelled (checked before every slice): how a cooperative handler passes a long time.
     *
     * @return how long it slept; less than {@code duration} if the task was cancelled
     */
    default Duration sleepUnlessCancelled(TaskContext context, Duration duration) throws InterruptedException {
        Duration slept = Duration.ZERO;
        while (slept.compareTo(duration) < 0 && !context.isCancelled()) {
            Duration slice = min(SLICE, duration.minus(slept));
            sleep(slice);
            slept = slept.plus(slice);
        }
        return slept;
    }

    /** Really sleeps, on the handler's own (virtual) thread. */
    static Sleeper real() {
        return Thread::sleep;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
