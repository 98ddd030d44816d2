package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class StoredKeyTest {

    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");
    private static final byte[] NEW = KeyFormat.sha256("new-secret");
    private static final byte[] OLD = KeyFormat.sha256("old-secret");

    private static StoredKey key(Instant expiresAt, Instant revokedAt, byte[] previous, Instant previousExpiresAt) {
        return new StoredKey(UUID.randomUUID(), "acme", "k", "abc", NEW, Set.of(Scope.TASK_READ), T0, expiresAt,
                revokedAt, previous, previousExpiresAt);
    }

    @Test
    void theCurrentSecretOpensAnActiveKey() {
        StoredKey key = key(null, null, null, null);

        assertThat(key.accepts(NEW, T0)).isTrue();
        assertThat(key.accepts(OLD, T0)).isFalse();
    }

    @Test
    void afterARotationThePreviousSecretWorksUntilTheGracePeriodEndsAndNotAMomentLonger() {
        Instant graceEnd = T0.plusSeconds(3600);
        StoredKey key = key(null, null, OLD, graceEnd);

        assertThat(key.accepts(OLD, graceEnd.minusMillis(1))).isTrue();
        assertThat(key.accepts(OLD, graceEnd)).isFalse();
        assertThat(key.accepts(NEW, graceEnd.plusSeconds(86_400))).isTrue();
    }

    @Test
    void aRevokedOrExpiredKeyOpensForNoSecret() {
        assertThat(key(null, T0, OLD, T0.plusSeconds(60)).accepts(NEW, T0)).isFalse();
        assertThat(key(null, T0, OLD, T0.plusSeconds(60)).accepts(OLD, T0)).isFalse();
        StoredKey expiring = key(T0.plusSeconds(1), null, null, null);
        assertThat(expiring.accepts(NEW, T0)).isTrue();
        assertThat(expiring.accepts(NEW, T0.plusSeconds(1))).isFalse();
    }

    @Test
    void itsTextShowsNoDigest() {
        assertThat(key(null, null, OLD, T0).toString()).contains("prefix=abc").doesNotContain("[B@");
    }
}
