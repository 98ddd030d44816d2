package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.RedisURI;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.ingest.tasks.IdempotencyKeys.Claim;
import io.taskstream.ingest.tasks.IdempotencyKeys.Entry;
import io.taskstream.ingest.tasks.IdempotencyKeys.Settlement;

/** Reservations and their settlement against a real Redis. */
class IdempotencyKeysIT {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofHours(24);

    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private IdempotencyKeys keys;
    private final String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        RedisURI uri = RedisURI.create(SharedInfrastructure.get().redisUrl());
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(uri.getHost(), uri.getPort()));
        factory.afterPropertiesSet();
        factory.start();
        redis = new StringRedisTemplate(factory);
        keys = new IdempotencyKeys(redis, LEASE, TTL, Duration.ofSeconds(2));
    }

    @AfterEach
    void tearDown() {
        redis.delete(redis.keys(IdempotencyKeys.PREFIX + tenant + "*:*"));
        factory.destroy();
    }

    private static Entry reservation() {
        byte[] hash = new byte[32];
        hash[0] = (byte) UUID.randomUUID().hashCode();
        return Entry.reserved(UUID.randomUUID(), Instant.parse("2026-11-28T10:00:00.000001Z"), hash);
    }

    private String redisKey(String key) {
        return IdempotencyKeys.redisKey(tenant, key);
    }

    @Test
    void theFirstClaimReservesAFreeKeyForItsLeaseAndLaterOnesSeeIt() {
        Entry first = reservation();
        Entry second = reservation();

        List<Entry> won = keys.reserve(tenant, List.of(new Claim("k", first)));
        List<Entry> lost = keys.reserve(tenant, List.of(new Claim("k", second)));

        assertThat(won).containsExactly((Entry) null);
        assertThat(lost).singleElement().satisfies(held -> {
            assertThat(held.state()).isEqualTo(IdempotencyKeys.State.RESERVED);
            assertThat(held.taskId()).isEqualTo(first.taskId());
            assertThat(held.requestHash()).isEqualTo(first.requestHash());
        });
        assertThat(redis.getExpire(redisKey("k"))).isBetween(LEASE.toSeconds() - 5, LEASE.toSeconds());
    }

    @Test
    void acceptingTurnsTheReservationIntoAnEntryForTheIdempotencyTtl() {
        Entry mine = reservation();
        keys.reserve(tenant, List.of(new Claim("k", mine)));

        keys.settle(tenant, List.of(new Settlement("k", mine, mine.accepted())));

        Entry held = keys.reserve(tenant, List.of(new Claim("k", reservation()))).getFirst();
        assertThat(held.state()).isEqualTo(IdempotencyKeys.State.ACCEPTED);
        assertThat(held.taskId()).isEqualTo(mine.taskId());
        assertThat(held.createdAt()).isEqualTo(mine.createdAt());
        assertThat(redis.getExpire(redisKey("k"))).isGreaterThan(TTL.toSeconds() - 60);
    }

    @Test
    void releasingFreesTheKeyForTheNextClaim() {
        Entry mine = reservation();
        keys.reserve(tenant, List.of(new Claim("k", mine)));

        keys.settle(tenant, List.of(new Settlement("k", mine, null)));

        assertThat(redis.hasKey(redisKey("k"))).isFalse();
        assertThat(keys.reserve(tenant, List.of(new Claim("k", reservation())))).containsExactly((Entry) null);
    }

    @Test
    void aSettlementTouchesOnlyItsOwnReservation() {
        Entry expired = reservation();
        Entry current = reservation();
        keys.reserve(tenant, List.of(new Claim("k", current)));

        keys.settle(tenant, List.of(new Settlement("k", expired, null)));
        keys.settle(tenant, List.of(new Settlement("k", expired, expired.accepted())));

        Entry held = keys.reserve(tenant, List.of(new Claim("k", reservation()))).getFirst();
        assertThat(held.taskId()).isEqualTo(current.taskId());
        assertThat(held.state()).isEqualTo(IdempotencyKeys.State.RESERVED);
    }

    @Test
    void aThousandKeysAreReservedAndSettledInOneCallEach() {
        List<Claim> claims = new ArrayList<>();
        IntStream.range(0, 1000).forEach(i -> claims.add(new Claim("key-" + i, reservation())));
        keys.reserve(tenant, claims.subList(0, 10));

        List<Entry> held = keys.reserve(tenant, claims);

        assertThat(held.subList(0, 10)).allSatisfy(entry -> assertThat(entry).isNotNull());
        assertThat(held.subList(10, 1000)).containsOnlyNulls();
        keys.settle(tenant, claims.stream().map(c -> new Settlement(c.idempotencyKey(), c.reservation(),
                c.reservation().accepted())).toList());
        assertThat(keys.reserve(tenant, claims)).allSatisfy(
                entry -> assertThat(entry.state()).isEqualTo(IdempotencyKeys.State.ACCEPTED));
    }

    @Test
    void tenantsDoNotShareKeys() {
        keys.reserve(tenant, List.of(new Claim("k", reservation())));

        assertThat(keys.reserve(tenant + "x", List.of(new Claim("k", reservation())))).containsExactly((Entry) null);
    }
}
