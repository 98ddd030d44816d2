package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisURI;
import io.taskstream.embedded.MutableClock;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.ingest.ItSupport;
import io.taskstream.schemas.tracing.Tracing;

/**
 * The token bucket script against a real Redis, with the time moved by hand (the script takes the
 * caller's clock): the burst, then refusal; refill at exactly the configured rate; recovery; one bucket
 * per tenant and per group; a clock that goes back.
 */
class TokenBucketIT {

    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    /** 600 a minute: a token every 100 ms; 100 at once. */
    static final Limit LIMIT = new Limit(600, 100);

    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private TokenBucket buckets;
    private final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ":ratelimit:";
    private final MutableClock clock = new MutableClock(T0);

    @BeforeEach
    void setUp() {
        RedisURI uri = RedisURI.create(SharedInfrastructure.get().redisUrl());
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(uri.getHost(), uri.getPort()));
        factory.afterPropertiesSet();
        factory.start();
        redis = new StringRedisTemplate(factory);
        buckets = new TokenBucket(redis, prefix, Duration.ofSeconds(2), Tracing.noop());
    }

    @AfterEach
    void tearDown() {
        redis.delete(redis.keys(prefix + "*"));
        factory.destroy();
    }

    private TokenBucket.Take take(String tenant, EndpointGroup group, Limit limit) {
        return buckets.take(tenant, group, limit, clock.millis(), 1);
    }

    private TokenBucket.Take take() {
        return take("acme", EndpointGroup.SUBMIT, LIMIT);
    }

    private int drain() {
        int allowed = 0;
        while (take().allowed()) {
            allowed++;
        }
        return allowed;
    }

    @Test
    void aFullBucketAllowsTheBurstAtOnceThenRefusesUntilTheNextToken() {
        for (int i = 1; i <= 100; i++) {
            TokenBucket.Take take = take();
            assertThat(take.allowed()).as("request %d", i).isTrue();
            assertThat(take.remaining()).isEqualTo(100 - i);
            assertThat(take.millisUntilAllowed()).isZero();
            assertThat(take.millisUntilFull()).isEqualTo(i * 100L);
        }

        TokenBucket.Take refused = take();

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.millisUntilAllowed()).isEqualTo(100);
        assertThat(refused.millisUntilFull()).isEqualTo(10_000);
    }

    @Test
    void overASimulatedMinuteExactlyTheRateIsAllowedBeyondTheBurst() {
        int allowed = 0;
        int refused = 0;
        // a request every 10 ms, ten times what the rate allows, from 0 to 60 s inclusive
        for (long t = 0; t <= 60_000; t += 10) {
            clock.set(T0.plusMillis(t));
            if (take().allowed()) {
                allowed++;
            } else {
                refused++;
            }
        }

        // the burst, plus one token every 100 ms of the minute
        int expected = 100 + 600;
        assertThat(allowed).as("within 10 %").isBetween((int) (expected * 0.9), (int) (expected * 1.1));
        assertThat(allowed).as("exactly").isEqualTo(expected);
        assertThat(refused).isEqualTo(6_001 - expected);
    }

    @Test
    void anEmptiedBucketRefillsOneTokenPerIntervalAndIsFullAfterBurstIntervals() {
        assertThat(drain()).isEqualTo(100);

        clock.advance(Duration.ofMillis(99));
        assertThat(take().allowed()).as("1 ms early").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(take().allowed()).as("on the dot").isTrue();
        assertThat(take().allowed()).isFalse();

        clock.advance(Duration.ofSeconds(10));
        assertThat(drain()).as("full again, no more").isEqualTo(100);
    }

    @Test
    void aBucketExpiresWhenItWouldBeFullAgain() {
        take();
        take();

        long ttl = redis.getExpire(buckets.key("acme", EndpointGroup.SUBMIT), TimeUnit.MILLISECONDS);

        assertThat(ttl).isBetween(100L, 200L);
        assertThat(buckets.key("acme", EndpointGroup.SUBMIT)).isEqualTo(prefix + "{acme}:submit");
    }

    @Test
    void tenantsAndGroupsHaveBucketsOfTheirOwn() {
        Limit two = new Limit(60, 2);
        take("acme", EndpointGroup.SUBMIT, two);
        take("acme", EndpointGroup.SUBMIT, two);

        assertThat(take("acme", EndpointGroup.SUBMIT, two).allowed()).isFalse();
        assertThat(take("acme", EndpointGroup.QUERY, two).remaining()).isEqualTo(1);
        assertThat(take("acme", EndpointGroup.ADMIN, two).remaining()).isEqualTo(1);
        assertThat(take("globex", EndpointGroup.SUBMIT, two).remaining()).isEqualTo(1);
        assertThat(take("acme-2", EndpointGroup.SUBMIT, two).remaining()).isEqualTo(1);
    }

    @Test
    void aClockThatGoesBackMintsNoTokens() {
        drain();
        clock.advance(Duration.ofMillis(50));
        take();

        // another node's clock a minute behind, or this one set back: nothing refills
        clock.set(T0.minus(Duration.ofMinutes(1)));
        TokenBucket.Take behind = take();
        assertThat(behind.allowed()).isFalse();
        assertThat(behind.millisUntilAllowed()).as("the minute behind plus the 100 ms").isEqualTo(60_100);

        // back on time: the minute behind was not counted as refill time, nor the time since counted twice
        clock.set(T0.plusMillis(99));
        assertThat(take().allowed()).isFalse();
        clock.set(T0.plusMillis(100));
        assertThat(take().allowed()).isTrue();
        assertThat(take().allowed()).isFalse();
    }

    @Test
    void aLoweredLimitAppliesToAFullBucketAtOnce() {
        take();

        TokenBucket.Take lowered = take("acme", EndpointGroup.SUBMIT, new Limit(60, 5));

        assertThat(lowered.remaining()).isEqualTo(4);
        assertThat(lowered.millisUntilFull()).isEqualTo(1_000);
    }

    @Test
    void theScriptIsSentAgainWhenRedisForgotIt() {
        take();
        redis.execute((RedisCallback<Object>) connection -> {
            connection.scriptingCommands().scriptFlush();
            return null;
        });

        assertThat(take().remaining()).isEqualTo(98);
        assertThat(take().remaining()).isEqualTo(97);
    }

    @Test
    void redisThatDoesNotAnswerIsUnavailable() {
        LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", ItSupport.unusedPort()));
        nowhere.afterPropertiesSet();
        nowhere.start();
        try {
            TokenBucket down = new TokenBucket(new StringRedisTemplate(nowhere), prefix, Duration.ofMillis(200), Tracing.noop());

            assertThatThrownBy(() -> down.take("acme", EndpointGroup.SUBMIT, LIMIT, clock.millis(), 1))
                    .isInstanceOf(TokenBucket.Unavailable.class);
        } finally {
            nowhere.destroy();
        }
    }
}
