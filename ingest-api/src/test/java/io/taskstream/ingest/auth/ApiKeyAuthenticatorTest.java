package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.taskstream.embedded.MutableClock;

class ApiKeyAuthenticatorTest {

    private final InMemoryKeys keys = new InMemoryKeys();
    private final AtomicLong nanos = new AtomicLong();
    private Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);
    private final ApiKeyAuthenticator authenticator = new ApiKeyAuthenticator(keys, Clock.offset(clock, Duration.ZERO),
            1000, Duration.ofMinutes(5), nanos::get);

    @Test
    void onlyTheExactKeyAuthenticatesAsItsTenantWithItsScopes() {
        String key = keys.add("abc", "acme", Scope.TASK_READ);

        assertThat(authenticator.authenticate(key)).hasValueSatisfying(p -> {
            assertThat(p.tenantId()).isEqualTo("acme");
            assertThat(p.keyId()).isEqualTo(keys.byPrefix.get("abc").id().toString());
            assertThat(p.scopes()).containsExactly(Scope.TASK_READ);
        });
        assertThat(authenticator.authenticate(key + "x")).isEmpty();
        assertThat(authenticator.authenticate(key.substring(0, key.length() - 1))).isEmpty();
        assertThat(authenticator.authenticate(key.toUpperCase())).isEmpty();
        assertThat(authenticator.authenticate("ts_abd" + key.substring(6))).isEmpty();
        assertThat(authenticator.authenticate("")).isEmpty();
        assertThat(authenticator.authenticate(null)).isEmpty();
        assertThat(authenticator.authenticate("x".repeat(10_000))).isEmpty();
    }

    @Test
    void aKeyIsReadOnceAndThenServedFromTheCacheUntilItExpiresOrIsEvicted() {
        String key = keys.add("abc", "acme", Scope.TASK_READ);

        for (int i = 0; i < 5; i++) {
            assertThat(authenticator.authenticate(key)).isPresent();
        }
        assertThat(keys.lookups).hasValue(1);

        nanos.addAndGet(TimeUnit.MINUTES.toNanos(5));
        assertThat(authenticator.authenticate(key)).isPresent();
        assertThat(keys.lookups).hasValue(2);

        keys.byPrefix.remove("abc");
        assertThat(authenticator.authenticate(key)).as("still cached").isPresent();
        authenticator.evict("abc");
        assertThat(authenticator.authenticate(key)).isEmpty();
    }

    @Test
    void unknownPrefixesAreCachedTooSoWrongKeysDoNotBecomeQueries() {
        for (int i = 0; i < 5; i++) {
            assertThat(authenticator.authenticate("ts_nope_0123456789abcdef0123456789abcdef")).isEmpty();
        }
        assertThat(keys.lookups).hasValue(1);
    }

    @Test
    void aCachedKeyStillExpiresOnTime() {
        MutableClock now = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        ApiKeyAuthenticator timed = new ApiKeyAuthenticator(keys, now, 1000, Duration.ofMinutes(5), nanos::get);
        String secret = "0123456789abcdef0123456789abcdef";
        keys.byPrefix.put("exp", new StoredKey(java.util.UUID.randomUUID(), "acme", "exp", "exp",
                KeyFormat.sha256(secret), Set.of(Scope.TASK_READ), Instant.EPOCH,
                Instant.parse("2026-11-29T10:00:01Z"), null, null, null));

        assertThat(timed.authenticate("ts_exp_" + secret)).isPresent();
        now.set(Instant.parse("2026-11-29T10:00:01Z"));
        assertThat(timed.authenticate("ts_exp_" + secret)).isEmpty();
    }
}
