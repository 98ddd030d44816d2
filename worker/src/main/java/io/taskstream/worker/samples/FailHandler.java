package io.taskstream.worker.samples;

import java.util.Map;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.NonRetryableException;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;

/**
 * {@code fail}: {@code {"failTimes": n}} throws on the first n attempts and completes on attempt
 * n + 1 (the attempt number says how often it has failed before); {@code -1}, the default, always
 * fails. {@code {"retryable": false}} throws a {@link NonRetryableException} instead, so the first
 * failure is final.
 */
public final class FailHandler implements TaskHandler {

    record Payload(Integer failTimes, Boolean retryable) {
    }

    @Override
    public String type() {
        return "fail";
    }

    @Override
    public HandlerResult handle(TaskContext context) {
        Payload payload = context.payloadAs(Payload.class);
        int failTimes = payload.failTimes() == null ? -1 : payload.failTimes();
        if (failTimes < -1) {
            throw new NonRetryableException("failTimes must be -1 (fail every attempt) or at least 0, was " + failTimes);
        }
        boolean retryable = payload.retryable() == null || payload.retryable();
        if (failTimes < 0 || context.attempt() <= failTimes) {
            String message = "simulated failure on attempt " + context.attempt()
                    + (failTimes < 0 ? " (fails every time)" : " of " + failTimes);
            throw retryable ? new IllegalStateException(message) : new NonRetryableException(message);
        }
        return HandlerResult.completed(Map.of("attempt", context.attempt(), "failedBefore", context.attempt() - 1));
    }
}
