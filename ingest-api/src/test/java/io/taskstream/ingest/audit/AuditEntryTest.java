package io.taskstream.ingest.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.audit.AuditEntry.Outcome;

class AuditEntryTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private static AuditEntry request(String userAgent, int status) {
        return new AuditEntry(T0, "acme", "key-1", null, "task.submit", "task", "t1", null, null, "10.0.0.1",
                userAgent, status, Outcome.of(status));
    }

    @Test
    void theOutcomeFollowsTheStatus() {
        assertThat(Outcome.of(200)).isEqualTo(Outcome.OK);
        assertThat(Outcome.of(302)).isEqualTo(Outcome.OK);
        assertThat(Outcome.of(403)).isEqualTo(Outcome.REFUSED);
        assertThat(Outcome.of(429)).isEqualTo(Outcome.REFUSED);
        assertThat(Outcome.of(503)).isEqualTo(Outcome.FAILED);
        assertThat(Outcome.ofWireName("refused")).isEqualTo(Outcome.REFUSED);
        assertThatThrownBy(() -> Outcome.ofWireName("maybe")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLongUserAgentIsCutAndANulIsReplacedSoThatTheRowCanAlwaysBeWritten() {
        AuditEntry entry = request("x".repeat(1000) , 202);
        assertThat(entry.userAgent()).hasSize(AuditEntry.MAX_USER_AGENT);
        assertThat(request("curl\0/8", 202).userAgent()).isEqualTo("curl\uFFFD/8");
        String emoji = "a".repeat(AuditEntry.MAX_USER_AGENT - 1) + "\uD83D\uDE00";
        assertThat(request(emoji, 202).userAgent()).as("never half a surrogate pair")
                .hasSize(AuditEntry.MAX_USER_AGENT - 1);
    }

    @Test
    void theActorsTenantIsTheTenantUnlessSaidOtherwise() {
        assertThat(request(null, 200).actorTenantId()).isEqualTo("acme");
        AuditEntry admin = new AuditEntry(T0, "acme", "key-9", "ops", "task.cancel", "task", "t1", Map.of(), null,
                null, null, 202, Outcome.OK);
        assertThat(admin.actorTenantId()).isEqualTo("ops");
    }

    @Test
    void whoAndWhatAreRequiredAndAStatusIsAnHttpStatus() {
        assertThatThrownBy(() -> AuditEntry.event(T0, " ", "k", "a", null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditEntry.event(T0, "t", null, "a", null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> request(null, 42)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEventIsOkWithoutAddressOrStatusAndCarriesItsDetail() {
        AuditEntry event = AuditEntry.event(T0, "acme", AuditEntry.SYSTEM, "key.create", "key", "k1",
                Map.of("name", "bootstrap admin"));
        assertThat(event.outcome()).isEqualTo(Outcome.OK);
        assertThat(event.status()).isNull();
        assertThat(event.ip()).isNull();
        assertThat(event.withDetail("reason", "start-up").detail())
                .containsExactly(Map.entry("name", "bootstrap admin"), Map.entry("reason", "start-up"));
    }
}
