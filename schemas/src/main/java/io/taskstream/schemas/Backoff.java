package io.taskstream.schemas;

import java.time.Duration;
import java.util.Objects;

/**
 * Retry backoff: the delay before attempt {@code n + 1} after attempt {@code n} failed is
 * {@code min(max, initial × multiplier^(n-1))}, then spread by ± {@code jitter} (a fraction).
 */
public record Backoff(Duration initial, double multiplier, Duration max, double jitter) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.2);

    public Backoff {
        initial = Objects.requireNonNullElse(initial, DEFAULT_INITIAL);
        max = Objects.requireNonNullElse(max, DEFAULT_MAX);
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff.initial must be positive");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff.max must not be shorter than backoff.initial");
        }
        if (!(multiplier >= 1.0 && multiplier <= 10.0)) {
            throw new IllegalArgumentException("backoff.multiplier must be between 1.0 and 10.0");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff.jitter must be between 0.0 and 1.0");
        }
    }

    private static final Duration DEFAULT_INITIAL = Duration.ofSeconds(1);
    private static final Duration DEFAULT_MAX = Duration.ofMinutes(5);

    /**
     * The delay after failed attempt {@code attempt} (1-based), with the jitter applied by
     * {@code unitRandom}, a number in [0, 1) (0.5 means "no jitter").
     */
    public Duration delayAfter(int attempt, double unitRandom) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based");
        }
        double base = initial.toMillis() * Math.pow(multiplier, attempt - 1);
        double capped = Math.min(max.toMillis(), base);
        double spread = 1.0 + jitter * (2.0 * unitRandom - 1.0);
        return Duration.ofMillis(Math.max(0, Math.round(capped * spread)));
    }
}
