package io.taskstream.ingest.limits;

/**
 * A token bucket's size and refill rate: {@code burst} requests at once, then {@code requestsPerMinute}
 * spread evenly over the minute (one token every 60,000 / {@code requestsPerMinute} ms).
 */
public record Limit(int requestsPerMinute, int burst) {

    /** The highest rate accepted: a million requests a second. */
    public static final int MAX_REQUESTS_PER_MINUTE = 60_000_000;
    /** The largest bucket accepted. */
    public static final int MAX_BURST = 10_000_000;

    public Limit {
        if (requestsPerMinute < 1 || requestsPerMinute > MAX_REQUESTS_PER_MINUTE) {
            throw new IllegalArgumentException("requestsPerMinute must be between 1 and " + MAX_REQUESTS_PER_MINUTE);
        }
        if (burst < 1 || burst > MAX_BURST) {
            throw new IllegalArgumentException("burst must be between 1 and " + MAX_BURST);
        }
    }
}
