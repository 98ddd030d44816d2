package io.taskstream.worker.samples;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code noop}: completes at once and says nothing — what the benchmark runs to measure the queue's own
 * cost per task (a handler that logs, like {@code log}, measures the log appender).
 */
public final class NoopHandler implements TaskHandler {

    @Override
    public String type() {
        return "noop";
    }

    @Override
    public HandlerResult handle(TaskContext context) {
        return HandlerResult.completed();
    }
}
