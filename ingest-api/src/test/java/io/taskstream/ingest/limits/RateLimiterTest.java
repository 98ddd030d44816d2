package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.tracing.Tracing;

/** The decisions, Redis down (fail open for reads, closed for writes), the breaker and the counters. */
class RateLimiterTest {

    static final RateLimitProperties PROPERTIES = new RateLimitProperties(true, 60, 3, Map.of(), "p:",
            Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(5));

    /** Answers what the test queued, or fails like Redis that does not answer. */
    static final class ScriptedBuckets extends TokenBucket {
        final Deque<TokenBucket.Take> answers = new ArrayDeque<>();
        int calls;

        ScriptedBuckets() {
            super(null, "p:", Duration.ofMillis(200), Tracing.noop());
        }

        @Override
        public Take take(String tenantId, EndpointGroup group, Limit limit, long nowMillis, int cost) {
            calls++;
            if (answers.isEmpty()) {
                throw new TokenBucket.Unavailable("Redis did not answer within 200 ms", null);
            }
            return answers.pop();
        }
    }

    /** Tenants with no limits of their own, without a database. */
    static final class NoOverrides extends TenantLimits {
        NoOverrides() {
            super(null, null, null, Duration.ofSeconds(5), () -> 0L);
        }

        @Override
        public TenantOverrides overrides(String tenantId) {
            return TenantOverrides.NONE;
        }
    }

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ScriptedBuckets buckets = new ScriptedBuckets();
    RateLimiter limiter;

    @BeforeEach
    void setUp() {
        CircuitBreaker breaker = CircuitBreaker.of(RateLimiter.BREAKER, RateLimiter.breakerConfig(Duration.ofSeconds(5),
                clock));
        limiter = new RateLimiter(buckets, new NoOverrides(), PROPERTIES, clock, breaker, meters);
    }

    double count(EndpointGroup group, RateLimiter.Outcome outcome) {
        return meters.get(RateLimiter.DECISIONS).tag("group", group.wireName()).tag("outcome", outcome.tag())
                .counter().count();
    }

    @Test
    void redisDecidesWhileItAnswers() {
        buckets.answers.add(new TokenBucket.Take(true, 2, 1000, 0));
        buckets.answers.add(new TokenBucket.Take(false, 0, 3000, 1500));

        RateLimiter.Decision allowed = limiter.decide("acme", EndpointGroup.SUBMIT);
        RateLimiter.Decision limited = limiter.decide("acme", EndpointGroup.SUBMIT);

        assertThat(allowed.proceeds()).isTrue();
        assertThat(allowed.limit()).isEqualTo(new Limit(60, 3));
        assertThat(limited.outcome()).isEqualTo(RateLimiter.Outcome.LIMITED);
        assertThat(limited.proceeds()).isFalse();
        assertThat(limited.retryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(count(EndpointGroup.SUBMIT, RateLimiter.Outcome.ALLOWED)).isEqualTo(1);
        assertThat(count(EndpointGroup.SUBMIT, RateLimiter.Outcome.LIMITED)).isEqualTo(1);
        assertThat(meters.get("tasks.rejected").tag("reason", "rate_limited").counter().count()).isEqualTo(1);
    }

    @Test
    void onlySubmitsRefusedForTheirRateAreRejectedTasks() {
        buckets.answers.add(new TokenBucket.Take(false, 0, 3000, 1500));
        buckets.answers.add(new TokenBucket.Take(false, 0, 3000, 1500));
        buckets.answers.add(new TokenBucket.Take(false, 0, 3000, 1500));

        limiter.decide("acme", EndpointGroup.QUERY);
        limiter.decide("acme", EndpointGroup.ADMIN);
        limiter.decide("acme", EndpointGroup.SUBMIT);
        limiter.decide("acme", EndpointGroup.SUBMIT); // Redis did not answer: 503, not rate_limited

        assertThat(count(EndpointGroup.QUERY, RateLimiter.Outcome.LIMITED)).isEqualTo(1);
        assertThat(count(EndpointGroup.ADMIN, RateLimiter.Outcome.LIMITED)).isEqualTo(1);
        assertThat(meters.get("tasks.rejected").tag("reason", "rate_limited").counter().count()).isEqualTo(1);
    }

    @Test
    void withoutRedisReadsPassAndWritesAreRefused() {
        RateLimiter.Decision read = limiter.decide("acme", EndpointGroup.QUERY);
        RateLimiter.Decision write = limiter.decide("acme", EndpointGroup.SUBMIT);
        RateLimiter.Decision admin = limiter.decide("acme", EndpointGroup.ADMIN);

        assertThat(read.outcome()).isEqualTo(RateLimiter.Outcome.REDIS_UNAVAILABLE_ALLOWED);
        assertThat(read.proceeds()).isTrue();
        assertThat(read.take()).isNull();
        assertThat(write.outcome()).isEqualTo(RateLimiter.Outcome.REDIS_UNAVAILABLE_REFUSED);
        assertThat(write.proceeds()).isFalse();
        assertThat(admin.outcome()).isEqualTo(RateLimiter.Outcome.REDIS_UNAVAILABLE_REFUSED);
        assertThat(count(EndpointGroup.QUERY, RateLimiter.Outcome.REDIS_UNAVAILABLE_ALLOWED)).isEqualTo(1);
        assertThat(count(EndpointGroup.SUBMIT, RateLimiter.Outcome.REDIS_UNAVAILABLE_REFUSED)).isEqualTo(1);
    }

    @Test
    void afterRepeatedFailuresRedisIsNotAskedUntilTheBreakerLetsATrialThrough() {
        for (int i = 0; i < 5; i++) {
            limiter.decide("acme", EndpointGroup.SUBMIT);
        }
        assertThat(limiter.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(buckets.calls).isEqualTo(5);

        assertThat(limiter.decide("acme", EndpointGroup.QUERY).proceeds()).isTrue();
        assertThat(limiter.decide("acme", EndpointGroup.SUBMIT).proceeds()).isFalse();
        assertThat(buckets.calls).as("not asked while open").isEqualTo(5);

        clock.advance(Duration.ofSeconds(5));
        assertThat(limiter.decide("acme", EndpointGroup.SUBMIT).proceeds()).as("still open on the dot").isFalse();
        clock.advance(Duration.ofMillis(1));
        buckets.answers.add(new TokenBucket.Take(true, 2, 1000, 0));
        buckets.answers.add(new TokenBucket.Take(true, 1, 2000, 0));
        buckets.answers.add(new TokenBucket.Take(true, 0, 3000, 0));
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.decide("acme", EndpointGroup.SUBMIT).outcome()).isEqualTo(RateLimiter.Outcome.ALLOWED);
        }
        assertThat(limiter.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
