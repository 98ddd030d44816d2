package io.taskstream.schemas;

import java.time.Duration;
import java.util.Objects;

/**
 * Retry backoff: the delay before attempt {@code n + 1} after attempt {@code n} failed is
 * {@code min(max, initial × multiplier^(n-1))}, then spread by ± {@code jitter} (a fraction).
 *
 * <p>Every field may be absent (null) on the wire: a task may override only some of them
 * ({@code {"initial": "PT2S"}}), and each absent one takes the deployment's default when the
 * scheduler {@linkplain #orElse completes} it. The fields that are given are checked here; a
 * complete backoff is needed only to compute a delay.
 */
public record Backoff(Duration initial, Double multiplier, Duration max, Double jitter) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.2);

    public Backoff {
        if (initial != null && (initial.isNegative() || initial.isZero())) {
            throw new IllegalArgumentException("backoff.initial must be positive");
        }
        if (max != null && (max.isNegative() || max.isZero())) {
            throw new IllegalArgumentException("backoff.max must be positive");
        }
        if (initial != null && max != null && max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff.max must not be shorter than backoff.initial");
        }
        if (multiplier != null && !(multiplier >= 1.0 && multiplier <= 10.0)) {
            throw new IllegalArgumentException("backoff.multiplier must be between 1.0 and 10.0");
        }
        if (jitter != null && !(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff.jitter must be between 0.0 and 1.0");
        }
    }

    /** True when every field is given (only a complete backoff computes delays). */
    public boolean hasEveryField() {
        return initial != null && multiplier != null && max != null && jitter != null;
    }

    /**
     * This backoff with each absent field taken from {@code defaults} (complete). A field that was
     * given is never changed, and a default never makes the result invalid: an absent {@code max}
     * is at least the given {@code initial}, an absent {@code initial} at most the given {@code max}.
     */
    public Backoff orElse(Backoff defaults) {
        Objects.requireNonNull(defaults, "defaults");
        if (!defaults.hasEveryField()) {
            throw new IllegalArgumentException("the default backoff must be complete");
        }
        Duration fullInitial = initial != null ? initial
                : max != null && max.compareTo(defaults.initial) < 0 ? max : defaults.initial;
        Duration fullMax = max != null ? max
                : initial != null && initial.compareTo(defaults.max) > 0 ? initial : defaults.max;
        return new Backoff(fullInitial, Objects.requireNonNullElse(multiplier, defaults.multiplier), fullMax,
                Objects.requireNonNullElse(jitter, defaults.jitter));
    }

    /**
     * The delay after failed attempt {@code attempt} (1-based), with the jitter applied by
     * {@code unitRandom}, a number in [0, 1) (0.5 means "no jitter"). Needs a complete backoff.
     */
    public Duration delayAfter(int attempt, double unitRandom) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based");
        }
        if (!hasEveryField()) {
            throw new IllegalStateException("a partial backoff computes no delay: complete it with orElse first");
        }
        double base = initial.toMillis() * Math.pow(multiplier, attempt - 1);
        double capped = Math.min(max.toMillis(), base);
        double spread = 1.0 + jitter * (2.0 * unitRandom - 1.0);
        return Duration.ofMillis(Math.max(0, Math.round(capped * spread)));
    }
}
