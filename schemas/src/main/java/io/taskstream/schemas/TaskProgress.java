package io.taskstream.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * How far a running attempt has got, as its handler reported it ({@code TaskContext.progress}). It
 * travels in a {@code PROCESSING} {@link TaskEvent} and is shown in the task view while the task is
 * {@code PROCESSING}; see {@code docs/wire-conventions.md}, "Progress".
 *
 * @param percent 0 to 100
 * @param message what the handler is doing, optional, at most {@value #MAX_MESSAGE_LENGTH} characters
 * @param at      when the handler reported it (the worker's clock)
 */
public record TaskProgress(int percent, String message, Instant at) {

    /** The longest message; {@code TaskContext.progress} cuts longer ones to it. */
    public static final int MAX_MESSAGE_LENGTH = 200;

    public TaskProgress {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("progress percent must be between 0 and 100 (was " + percent + ")");
        }
        if (message != null && message.length() > MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("progress message must be at most " + MAX_MESSAGE_LENGTH
                    + " characters (was " + message.length() + ")");
        }
        Objects.requireNonNull(at, "at");
    }
}
