package io.taskstream.worker.samples;

import java.time.Duration;
import java.util.Map;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code sleep}: {@code {"ms": n}} sleeps n milliseconds on the handler thread, then completes. A
 * cancel stops it early (within {@link Sleeper#SLICE} of {@code isCancelled()} turning true).
 */
public final class SleepHandler implements TaskHandler {

    private final Sleeper sleeper;

    public SleepHandler(Sleeper sleeper) {
        this.sleeper = sleeper;
    }

    @Override
    public String type() {
        return "sleep";
    }

    @Override
    public HandlerResult handle(TaskContext context) throws InterruptedException {
        Duration duration = context.payloadAs(Millis.class).duration();
        Duration slept = sleeper.sleepUnlessCancelled(context, duration);
        if (slept.compareTo(duration) < 0) {
            return HandlerResult.cancelled("cancelled after sleeping " + slept.toMillis() + " of "
                    + duration.toMillis() + " ms");
        }
        return HandlerResult.completed(Map.of("sleptMs", duration.toMillis()));
    }
}
