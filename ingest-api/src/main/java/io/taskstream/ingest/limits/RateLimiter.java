package io.taskstream.ingest.limits;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.admission.Rejections;

/**
 * Decides whether a tenant's request may proceed: per-tenant token buckets in Redis
 * ({@link TokenBucket}), one per endpoint group ({@link EndpointGroup}), sized by the tenant's limits
 * ({@link TenantLimits}, else {@code taskstream.ingest.rate-limit.*}). Every request costs one token.
 *
 * <p>When Redis cannot decide — it failed, was slower than {@code redis-timeout}, or failed so often just
 * now that the circuit breaker is open and it is not asked at all — reads fail open and writes fail
 * closed: a {@link EndpointGroup#QUERY} request proceeds (unlimited while Redis is down), a
 * {@link EndpointGroup#SUBMIT} or {@link EndpointGroup#ADMIN} request is refused with {@code 503}, so
 * that no tenant can flood the shared queues while nothing counts. Every decision is counted in
 * {@code taskstream.ingest.rate_limit.decisions} by {@code group} and {@code outcome}, and a
 * {@code submit} request refused for its rate ({@code 429}) in {@code tasks_rejected_total{reason="rate_limited"}}
 * too; the breaker's state is {@code circuit_breaker_state{name="redis-rate-limit",state}} and every change
 * of it is logged once (WARN), never every request.
 */
public class RateLimiter {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

    /** The name of the breaker in front of Redis (the {@code name} tag of its metrics). */
    public static final String BREAKER = "redis-rate-limit";
    /** The counter of decisions, tagged {@code group} and {@code outcome}. */
    public static final String DECISIONS = "taskstream.ingest.rate_limit.decisions";
    /** What a request costs; a batch is one request too. */
    static final int COST = 1;

    /** The closed set of what the limiter decided. */
    public enum Outcome {
        /** a token was taken */
        ALLOWED,
        /** the bucket was empty: {@code 429} */
        LIMITED,
        /** Redis could not decide; a read passes */
        REDIS_UNAVAILABLE_ALLOWED,
        /** Redis could not decide; a write is refused with {@code 503} */
        REDIS_UNAVAILABLE_REFUSED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A decision and what to tell the client.
     *
     * @param limit the limit applied (its {@code burst} is {@code RateLimit-Limit})
     * @param take  Redis's answer; null when Redis could not decide (then no {@code RateLimit-*} headers)
     */
    public record Decision(Outcome outcome, EndpointGroup group, Limit limit, TokenBucket.Take take) {

        public boolean proceeds() {
            return outcome == Outcome.ALLOWED || outcome == Outcome.REDIS_UNAVAILABLE_ALLOWED;
        }

        /**
         * How long until this request would be allowed: {@code Retry-After} of a {@code 429}, sent in whole
         * seconds rounded up, at least 1.
         */
        public Duration retryAfter() {
            return Duration.ofMillis(take == null ? 0 : take.millisUntilAllowed());
        }
    }

    private final TokenBucket buckets;
    private final TenantLimits tenantLimits;
    private final RateLimitProperties properties;
    private final Clock clock;
    private final CircuitBreaker breaker;
    private final Map<EndpointGroup, Map<Outcome, Counter>> counters = new EnumMap<>(EndpointGroup.class);
    private final Counter submitsRateLimited;

    public RateLimiter(TokenBucket buckets, TenantLimits tenantLimits, RateLimitProperties properties, Clock clock,
            CircuitBreaker breaker, MeterRegistry meters) {
        this.buckets = buckets;
        this.tenantLimits = tenantLimits;
        this.properties = properties;
        this.clock = clock;
        this.breaker = breaker;
        for (EndpointGroup group : EndpointGroup.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome, Counter.builder(DECISIONS)
                        .description("Requests the rate limiter decided on, by endpoint group and outcome")
                        .tag("group", group.wireName()).tag("outcome", outcome.tag())
                        .register(meters));
            }
            counters.put(group, byOutcome);
        }
        submitsRateLimited = Rejections.counter(meters, Rejections.RATE_LIMITED);
        breaker.getEventPublisher().onStateTransition(event -> log.warn(
                "rate limiter: Redis circuit breaker {}; while it is not CLOSED, queries pass unlimited and "
                        + "writes get 503", event.getStateTransition()));
    }

    /**
     * The breaker in front of Redis: over the last 10 calls, from the 5th on, it opens when at least half
     * failed or timed out; it stays open for {@code openFor} (no call waits for Redis meanwhile), then lets
     * 3 trial calls through. It reads {@code clock}.
     */
    public static CircuitBreakerConfig breakerConfig(Duration openFor, Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(10, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(3)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
    }

    /** Decides on one request of {@code tenantId} in {@code group}. */
    public Decision decide(String tenantId, EndpointGroup group) {
        Limit limit = tenantLimits.overrides(tenantId).effective(group, properties);
        Decision decision = ask(tenantId, group, limit);
        counters.get(group).get(decision.outcome()).increment();
        if (group == EndpointGroup.SUBMIT && decision.outcome() == Outcome.LIMITED) {
            submitsRateLimited.increment();
        }
        return decision;
    }

    private Decision ask(String tenantId, EndpointGroup group, Limit limit) {
        if (!breaker.tryAcquirePermission()) {
            return unavailable(group, limit);
        }
        long start = System.nanoTime();
        try {
            TokenBucket.Take take = buckets.take(tenantId, group, limit, clock.millis(), COST);
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return new Decision(take.allowed() ? Outcome.ALLOWED : Outcome.LIMITED, group, limit, take);
        } catch (TokenBucket.Unavailable e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            log.debug("rate limiter: Redis could not decide: {}", e.getMessage());
            return unavailable(group, limit);
        }
    }

    private static Decision unavailable(EndpointGroup group, Limit limit) {
        return new Decision(group == EndpointGroup.QUERY ? Outcome.REDIS_UNAVAILABLE_ALLOWED
                : Outcome.REDIS_UNAVAILABLE_REFUSED, group, limit, null);
    }

    /** The breaker's state, for tests and health. */
    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }
}
