package io.taskstream.schemas;

import java.util.Objects;

/**
 * Why an attempt or a task failed: a stable machine {@code code} (e.g. {@code no_handler},
 * {@code timeout}, {@code handler_error}), a human message, and whether retrying may help.
 */
public record TaskError(String code, String message, boolean retryable) {

    /** Messages longer than this are cut, so one runaway stack trace cannot bloat every topic. */
    public static final int MAX_MESSAGE_LENGTH = 4_000;

    public TaskError {
        Objects.requireNonNull(code, "code");
        if (code.isBlank()) {
            throw new IllegalArgumentException("code must not be blank");
        }
        message = message == null ? "" : message;
        if (message.length() > MAX_MESSAGE_LENGTH) {
            message = message.substring(0, MAX_MESSAGE_LENGTH);
        }
    }

    public static TaskError retryable(String code, String message) {
        return new TaskError(code, message, true);
    }

    public static TaskError permanent(String code, String message) {
        return new TaskError(code, message, false);
    }
}
