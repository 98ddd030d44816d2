package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class ApiPrincipalTest {

    @Test
    void aKeyWithoutTheScopeIsForbiddenAndAdminHasEveryScope() {
        ApiPrincipal reader = new ApiPrincipal("acme", "k1", Set.of("dlq:read"));
        ApiPrincipal admin = new ApiPrincipal("acme", "k2", Set.of(ApiPrincipal.ADMIN_SCOPE));

        assertThatCode(() -> reader.requireScope("dlq:read")).doesNotThrowAnyException();
        assertThatThrownBy(() -> reader.requireScope("dlq:write")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
        assertThatCode(() -> admin.requireScope("dlq:write")).doesNotThrowAnyException();
    }
}
