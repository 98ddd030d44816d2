package io.taskstream.schemas;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * A schedule's cron expression in its time zone: what the API validates and previews and what the
 * scheduler fires, so both read a schedule the same way. STUB — being implemented.
 */
public final class CronSchedule {

    /** The default shortest interval between two fire times. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMinutes(1);

    /** A cron expression or time zone that cannot be used; {@link #violation()} names the field and the reason. */
    public static final class InvalidCronException extends IllegalArgumentException {
        private final transient Violation violation;

        public InvalidCronException(Violation violation) {
            super(violation.toString());
            this.violation = violation;
        }

        public Violation violation() {
            return violation;
        }
    }

    private CronSchedule() {
    }

    /**
     * Parses {@code cron} (Unix 5 fields, or Quartz 6/7 fields with seconds) in time zone {@code timezone}
     * (an IANA id; null means UTC).
     *
     * @throws InvalidCronException field {@code cron}: not an expression, or fire times closer than
     *                              {@code minInterval}; field {@code timezone}: an unknown zone
     */
    public static CronSchedule parse(String cron, String timezone, Duration minInterval) {
        throw new UnsupportedOperationException("stub");
    }

    public String expression() {
        throw new UnsupportedOperationException("stub");
    }

    public ZoneId zone() {
        throw new UnsupportedOperationException("stub");
    }

    /** Human readable, in English, e.g. "at 02:00". */
    public String description() {
        throw new UnsupportedOperationException("stub");
    }

    /** The first fire time strictly after {@code after}; empty when there is none (a past year). */
    public Optional<Instant> nextAfter(Instant after) {
        throw new UnsupportedOperationException("stub");
    }

    /** The latest fire time at or before {@code atOrBefore} and strictly after {@code after}; empty if none. */
    public Optional<Instant> latestBetween(Instant after, Instant atOrBefore) {
        throw new UnsupportedOperationException("stub");
    }

    /** Up to {@code count} fire times strictly after {@code after}, in order. */
    public List<Instant> next(Instant after, int count) {
        throw new UnsupportedOperationException("stub");
    }
}
