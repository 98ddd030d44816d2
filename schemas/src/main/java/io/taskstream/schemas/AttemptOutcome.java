package io.taskstream.schemas;

/** How one attempt ended. */
public enum AttemptOutcome {
    COMPLETED, FAILED, TIMED_OUT, CANCELLED
}
