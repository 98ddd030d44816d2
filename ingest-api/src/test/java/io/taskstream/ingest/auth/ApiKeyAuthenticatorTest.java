package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.config.IngestPropertiesTest;

class ApiKeyAuthenticatorTest {

    private final ApiKeyAuthenticator authenticator = new ApiKeyAuthenticator(IngestPropertiesTest.valid());

    @Test
    void onlyTheExactAdminKeyAuthenticates() {
        assertThat(authenticator.authenticate(IngestPropertiesTest.KEY)).hasValueSatisfying(p -> {
            assertThat(p.tenantId()).isEqualTo("default");
            assertThat(p.keyId()).isEqualTo("admin");
        });
        assertThat(authenticator.authenticate(IngestPropertiesTest.KEY.toUpperCase())).isEmpty();
        assertThat(authenticator.authenticate(IngestPropertiesTest.KEY.substring(1))).isEmpty();
        assertThat(authenticator.authenticate("")).isEmpty();
        assertThat(authenticator.authenticate(null)).isEmpty();
    }

    @Test
    void keysAreComparedAsSha256Digests() {
        assertThat(ApiKeyAuthenticator.sha256("abc")).hasSize(32);
    }

    @Test
    void adminScopeImpliesEveryScope() {
        ApiPrincipal admin = authenticator.authenticate(IngestPropertiesTest.KEY).orElseThrow();
        ApiPrincipal reader = new ApiPrincipal("t", "k", java.util.Set.of("task:read"));

        assertThat(admin.hasScope("dlq:write")).isTrue();
        assertThat(reader.hasScope("task:read")).isTrue();
        assertThat(reader.hasScope("task:create")).isFalse();
    }
}
