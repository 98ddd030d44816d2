package io.taskstream.worker.handler;

import java.time.Duration;
import java.util.Objects;

import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * What a {@link TaskHandler} says about one attempt: a closed set, so the worker handles every case
 * in one {@code switch}.
 */
public sealed interface HandlerResult {

    /** The task is done; {@code result} (any JSON, may be {@code null}) becomes the task's result. */
    record Completed(JsonNode result) implements HandlerResult {
    }

    /**
     * The attempt failed without an exception. {@code code} is a stable machine-readable reason
     * (e.g. {@code upstream_rejected}); {@code retryable} says whether another attempt may succeed.
     */
    record Failed(String code, String message, boolean retryable) implements HandlerResult {
        public Failed {
            Objects.requireNonNull(code, "code");
            if (code.isBlank()) {
                throw new IllegalArgumentException("code must not be blank");
            }
            message = message == null ? "" : message;
        }
    }

    /**
     * Not now, try again after {@code delay} (e.g. a rate-limited upstream). Reported as a
     * {@code DEFERRED} attempt (code {@code snoozed}) with {@code retryAt} = its end + {@code delay}:
     * the scheduler runs the same attempt again then, without counting it against
     * {@code maxAttempts} (up to its per-task deferral limit).
     */
    record Snooze(Duration delay) implements HandlerResult {
        public Snooze {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative");
            }
        }
    }

    /** The handler gave up because the task was cancelled (see {@link TaskContext#isCancelled()}). */
    record Cancelled(String reason) implements HandlerResult {
        public Cancelled {
            reason = reason == null ? "" : reason;
        }
    }

    /** Completed without a result. */
    static HandlerResult completed() {
        return new Completed(null);
    }

    /** Completed with {@code result}: a {@link JsonNode}, or any value Jackson can turn into JSON. */
    static HandlerResult completed(Object result) {
        return new Completed(result == null || result instanceof JsonNode
                ? (JsonNode) result
                : Json.mapper().valueToTree(result));
    }

    static HandlerResult failed(String code, String message, boolean retryable) {
        return new Failed(code, message, retryable);
    }

    static HandlerResult snooze(Duration delay) {
        return new Snooze(delay);
    }

    static HandlerResult cancelled(String reason) {
        return new Cancelled(reason);
    }
}
