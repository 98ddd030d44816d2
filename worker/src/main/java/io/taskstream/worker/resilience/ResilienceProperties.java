package io.taskstream.worker.resilience;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Name;

import io.taskstream.schemas.TaskSubmission;

/**
 * Circuit breaker, bulkhead and rate limiter per task type, {@code taskstream.worker.resilience.*}.
 * Everything is off unless configured. {@code default} applies to every task type; {@code types}
 * (keyed by task type, in brackets because types contain dots:
 * {@code types[http.request].bulkhead.max-concurrent-calls=4}) overrides it option by option. A
 * part is on for a type when its {@code enabled} says so, or — without {@code enabled} — when any
 * of its options is set; a type that says nothing about a part takes {@code default}'s. Defaults
 * of the options live in the {@code resolve} methods; a wrong value stops the start-up with one
 * message naming the property.
 *
 * @param defaults applies to every task type ({@code taskstream.worker.resilience.default.*})
 * @param types    per task type, overriding {@code default} option by option
 */
@ConfigurationProperties("taskstream.worker.resilience")
public record ResilienceProperties(@Name("default") TypeOptions defaults, Map<String, TypeOptions> types) {

    static final String PREFIX = "taskstream.worker.resilience";
    /** The longest duration any option takes. */
    static final Duration LONGEST = Duration.ofDays(1);

    public ResilienceProperties {
        defaults = Objects.requireNonNullElse(defaults, TypeOptions.NONE);
        Map<String, TypeOptions> copy = new LinkedHashMap<>();
        if (types != null) {
            types.forEach((type, options) -> copy.put(type, Objects.requireNonNullElse(options, TypeOptions.NONE)));
        }
        types = Map.copyOf(copy);

        String defaultPath = PREFIX + ".default";
        defaults.validate(defaultPath);
        defaults.resolve(TypeOptions.NONE).validateTogether(defaultPath);
        for (Map.Entry<String, TypeOptions> entry : new TreeMap<>(types).entrySet()) {
            String path = PREFIX + ".types[" + entry.getKey() + "]";
            require(TaskSubmission.TYPE_PATTERN.matcher(entry.getKey()).matches(), path,
                    "names no valid task type (1 to 100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)",
                    entry.getKey());
            entry.getValue().validate(path);
            entry.getValue().resolve(defaults).validateTogether(path);
        }
    }

    /** Nothing configured: no task type is guarded. */
    public static ResilienceProperties none() {
        return new ResilienceProperties(null, null);
    }

    /** What guards {@code type}: its options over {@code default}'s over the built-in defaults. */
    public TypeOptions policyFor(String type) {
        return types.getOrDefault(type, TypeOptions.NONE).resolve(defaults);
    }

    /**
     * The options of one task type (or {@code default}). Bound from properties, each part and option
     * may be missing; {@link #resolve resolved}, a part is {@code null} when off and has every option
     * set when on.
     *
     * @param circuitBreaker stops running the type's attempts while too many of them fail
     * @param bulkhead       caps the type's attempts running at once on this worker
     * @param rateLimiter    caps how many of the type's attempts start per period on this worker
     */
    public record TypeOptions(CircuitBreakerOptions circuitBreaker, BulkheadOptions bulkhead,
                              RateLimiterOptions rateLimiter) {

        static final TypeOptions NONE = new TypeOptions(null, null, null);

        /** Whether no part is on. */
        public boolean isEmpty() {
            return circuitBreaker == null && bulkhead == null && rateLimiter == null;
        }

        TypeOptions resolve(TypeOptions under) {
            return new TypeOptions(
                    CircuitBreakerOptions.resolve(circuitBreaker, under.circuitBreaker),
                    BulkheadOptions.resolve(bulkhead, under.bulkhead),
                    RateLimiterOptions.resolve(rateLimiter, under.rateLimiter));
        }

        void validate(String path) {
            if (circuitBreaker != null) {
                circuitBreaker.validate(path + ".circuit-breaker");
            }
            if (bulkhead != null) {
                bulkhead.validate(path + ".bulkhead");
            }
            if (rateLimiter != null) {
                rateLimiter.validate(path + ".rate-limiter");
            }
        }

        void validateTogether(String path) {
            if (circuitBreaker != null) {
                CircuitBreakerOptions cb = circuitBreaker;
                require(cb.minimumCalls <= cb.slidingWindowSize, path + ".circuit-breaker.minimum-calls",
                        "must be at most the sliding-window-size, " + cb.slidingWindowSize, cb.minimumCalls);
            }
        }
    }

    /**
     * A count-based circuit breaker over the type's latest attempts. Closed, it runs every attempt;
     * once at least {@code minimumCalls} of the last {@code slidingWindowSize} counted attempts are
     * there and {@code failureRateThreshold} % of them failed (or {@code slowCallRateThreshold} % were
     * slower than {@code slowCallDuration}), it opens: attempts are deferred ({@code circuit_open})
     * for {@code waitInOpenState}; then {@code permittedCallsInHalfOpenState} attempts run on trial
     * and decide whether it closes again or stays open for another wait.
     *
     * @param enabled                       on or off; unset: on when any other option is set
     * @param failureRateThreshold          failed attempts, in % of those counted, at which it opens
     *                                      (default 50, 1–100)
     * @param slidingWindowSize             how many of the latest counted attempts it looks at
     *                                      (default 20, 1–10000)
     * @param minimumCalls                  counted attempts needed before it may open (default 10,
     *                                      1 to {@code slidingWindowSize})
     * @param waitInOpenState               how long it stays open before attempts run on trial;
     *                                      deferred attempts come back then (default 30 s, 1 ms–1 d)
     * @param permittedCallsInHalfOpenState attempts run on trial after the wait (default 3, 1–1000)
     * @param slowCallDuration              an attempt that ran longer than this counts as slow
     *                                      (default: none, slow attempts are not looked at)
     * @param slowCallRateThreshold         slow attempts, in % of those counted, at which it opens,
     *                                      when {@code slowCallDuration} is set (default 100, 1–100)
     */
    public record CircuitBreakerOptions(Boolean enabled, Integer failureRateThreshold, Integer slidingWindowSize,
                                        Integer minimumCalls, Duration waitInOpenState,
                                        Integer permittedCallsInHalfOpenState, Duration slowCallDuration,
                                        Integer slowCallRateThreshold) {

        static final CircuitBreakerOptions UNSET = new CircuitBreakerOptions(null, null, null, null, null, null,
                null, null);

        boolean anySet() {
            return failureRateThreshold != null || slidingWindowSize != null || minimumCalls != null
                    || waitInOpenState != null || permittedCallsInHalfOpenState != null || slowCallDuration != null
                    || slowCallRateThreshold != null;
        }

        static CircuitBreakerOptions resolve(CircuitBreakerOptions own, CircuitBreakerOptions under) {
            CircuitBreakerOptions o = Objects.requireNonNullElse(own, UNSET);
            CircuitBreakerOptions u = Objects.requireNonNullElse(under, UNSET);
            if (!isOn(o.enabled, o.anySet(), u.enabled, u.anySet())) {
                return null;
            }
            return new CircuitBreakerOptions(true,
                    first(o.failureRateThreshold, u.failureRateThreshold, 50),
                    first(o.slidingWindowSize, u.slidingWindowSize, 20),
                    first(o.minimumCalls, u.minimumCalls, 10),
                    first(o.waitInOpenState, u.waitInOpenState, Duration.ofSeconds(30)),
                    first(o.permittedCallsInHalfOpenState, u.permittedCallsInHalfOpenState, 3),
                    o.slowCallDuration != null ? o.slowCallDuration : u.slowCallDuration,
                    first(o.slowCallRateThreshold, u.slowCallRateThreshold, 100));
        }

        void validate(String path) {
            requirePercent(failureRateThreshold, path + ".failure-rate-threshold");
            requireBetween(slidingWindowSize, 1, 10_000, path + ".sliding-window-size");
            requireBetween(minimumCalls, 1, 10_000, path + ".minimum-calls");
            requireBetween(waitInOpenState, Duration.ofMillis(1), LONGEST, path + ".wait-in-open-state", "1ms and 1d");
            requireBetween(permittedCallsInHalfOpenState, 1, 1_000, path + ".permitted-calls-in-half-open-state");
            requireBetween(slowCallDuration, Duration.ofMillis(1), LONGEST, path + ".slow-call-duration", "1ms and 1d");
            requirePercent(slowCallRateThreshold, path + ".slow-call-rate-threshold");
        }
    }

    /**
     * A semaphore bulkhead: at most {@code maxConcurrentCalls} of the type's attempts run at once on
     * this worker. An attempt that finds it full waits up to {@code maxWait} (on its slot) for a
     * place, then is deferred ({@code bulkhead_full}) to run again {@code retryAfter} later.
     *
     * @param enabled            on or off; unset: on when any other option is set
     * @param maxConcurrentCalls attempts of the type running at once on one worker (default 10,
     *                           1–10000)
     * @param maxWait            how long an attempt waits for a place before it is deferred
     *                           (default 0: not at all; at most 1 m, and it holds a slot meanwhile)
     * @param retryAfter         how long after a {@code bulkhead_full} deferral the attempt runs
     *                           again (default 1 s, 0–1 h)
     */
    public record BulkheadOptions(Boolean enabled, Integer maxConcurrentCalls, Duration maxWait, Duration retryAfter) {

        static final BulkheadOptions UNSET = new BulkheadOptions(null, null, null, null);

        boolean anySet() {
            return maxConcurrentCalls != null || maxWait != null || retryAfter != null;
        }

        static BulkheadOptions resolve(BulkheadOptions own, BulkheadOptions under) {
            BulkheadOptions o = Objects.requireNonNullElse(own, UNSET);
            BulkheadOptions u = Objects.requireNonNullElse(under, UNSET);
            if (!isOn(o.enabled, o.anySet(), u.enabled, u.anySet())) {
                return null;
            }
            return new BulkheadOptions(true,
                    first(o.maxConcurrentCalls, u.maxConcurrentCalls, 10),
                    first(o.maxWait, u.maxWait, Duration.ZERO),
                    first(o.retryAfter, u.retryAfter, Duration.ofSeconds(1)));
        }

        void validate(String path) {
            requireBetween(maxConcurrentCalls, 1, 10_000, path + ".max-concurrent-calls");
            requireBetween(maxWait, Duration.ZERO, Duration.ofMinutes(1), path + ".max-wait", "0 and 1m");
            requireBetween(retryAfter, Duration.ZERO, Duration.ofHours(1), path + ".retry-after", "0 and 1h");
        }
    }

    /**
     * A rate limiter: at most {@code limitForPeriod} of the type's attempts start per
     * {@code period} on this worker. An attempt without a permit is deferred ({@code rate_limited})
     * until the next period begins, when permits are there again.
     *
     * @param enabled        on or off; unset: on when any other option is set
     * @param limitForPeriod attempts that may start per period (default 10, 1–1000000)
     * @param period         the period; permits are renewed at its start (default 1 s, 1 ms–1 d)
     */
    public record RateLimiterOptions(Boolean enabled, Integer limitForPeriod, Duration period) {

        static final RateLimiterOptions UNSET = new RateLimiterOptions(null, null, null);

        boolean anySet() {
            return limitForPeriod != null || period != null;
        }

        static RateLimiterOptions resolve(RateLimiterOptions own, RateLimiterOptions under) {
            RateLimiterOptions o = Objects.requireNonNullElse(own, UNSET);
            RateLimiterOptions u = Objects.requireNonNullElse(under, UNSET);
            if (!isOn(o.enabled, o.anySet(), u.enabled, u.anySet())) {
                return null;
            }
            return new RateLimiterOptions(true,
                    first(o.limitForPeriod, u.limitForPeriod, 10),
                    first(o.period, u.period, Duration.ofSeconds(1)));
        }

        void validate(String path) {
            requireBetween(limitForPeriod, 1, 1_000_000, path + ".limit-for-period");
            requireBetween(period, Duration.ofMillis(1), LONGEST, path + ".period", "1ms and 1d");
        }
    }

    /**
     * A part's own {@code enabled} decides; without it, setting any of its options turns it on; a
     * part that says nothing takes what the part under it ({@code default}'s) comes to.
     */
    private static boolean isOn(Boolean ownEnabled, boolean ownSet, Boolean underEnabled, boolean underSet) {
        if (ownEnabled != null) {
            return ownEnabled;
        }
        return ownSet || (underEnabled != null ? underEnabled : underSet);
    }

    private static <T> T first(T own, T under, T builtIn) {
        return own != null ? own : under != null ? under : builtIn;
    }

    private static void requirePercent(Integer value, String property) {
        if (value != null) {
            require(value >= 1 && value <= 100, property, "must be a percentage between 1 and 100", value);
        }
    }

    private static void requireBetween(Integer value, int min, int max, String property) {
        if (value != null) {
            require(value >= min && value <= max, property, "must be between " + min + " and " + max, value);
        }
    }

    private static void requireBetween(Duration value, Duration min, Duration max, String property, String range) {
        if (value != null) {
            require(value.compareTo(min) >= 0 && value.compareTo(max) <= 0, property, "must be between " + range,
                    value);
        }
    }

    private static void require(boolean ok, String property, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(property + " " + rule + " (was " + value + ")");
        }
    }
}
