package io.taskstream.ingest.tasks;

import java.time.Instant;

/**
 * How far a {@code PROCESSING} task's running attempt has got, as its handler last reported it
 * ({@code "progress"} in the task view). Absent ({@code null}) when the task is not running or its
 * attempt has reported nothing yet.
 *
 * @param percent   0 to 100
 * @param message   what the handler said it was doing, if anything (at most 200 characters)
 * @param updatedAt when the handler reported it (the worker's clock)
 */
public record ProgressView(int percent, String message, Instant updatedAt) {
}
