package io.taskstream.schemas;

/**
 * How one attempt ended. {@code DEFERRED}: it did not run to an end (the handler snoozed, an open
 * circuit, a worker shutting down) and is to run again at the result's {@code retryAt}; it does not
 * count as an attempt.
 */
public enum AttemptOutcome {
    COMPLETED, FAILED, TIMED_OUT, CANCELLED, DEFERRED
}
