package io.taskstream.worker.samples;

import java.time.Duration;

import io.taskstream.worker.handler.NonRetryableException;

/** The {@code {"ms": n}} payload of {@code sleep} and {@code report.generate}. */
record Millis(Long ms) {

    /** Longer than any task's maximum timeout (24 h): surely a mistake. */
    static final long MAX = Duration.ofHours(24).toMillis();

    Duration duration() {
        long value = ms == null ? 0 : ms;
        if (value < 0 || value > MAX) {
            throw new NonRetryableException("ms must be between 0 and " + MAX + ", was " + value);
        }
        return Duration.ofMillis(value);
    }
}
