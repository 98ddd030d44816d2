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
        ApiPrincipal reader = new ApiPrincipal("acme", "k1", Set.of(Scope.DLQ_READ));
        ApiPrincipal admin = new ApiPrincipal("acme", "k2", Set.of(Scope.ADMIN));

        assertThatCode(() -> reader.requireScope(Scope.DLQ_READ)).doesNotThrowAnyException();
        assertThatThrownBy(() -> reader.requireScope(Scope.DLQ_WRITE)).isInstanceOfSatisfying(ApiException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN);
                    assertThat(e.getMessage()).contains("dlq:write");
                });
        for (Scope scope : Scope.values()) {
            assertThat(admin.hasScope(scope)).isTrue();
        }
        assertThat(reader.hasScope(Scope.ADMIN)).isFalse();
    }

    @Test
    void onlyAnAdminKeyActsForAnotherTenant() {
        ApiPrincipal keyAdmin = new ApiPrincipal("acme", "k1", Set.of(Scope.KEY_ADMIN, Scope.TASK_READ));
        ApiPrincipal admin = new ApiPrincipal("acme", "k2", Set.of(Scope.ADMIN));

        assertThat(keyAdmin.actingFor("acme")).isSameAs(keyAdmin);
        assertThatThrownBy(() -> keyAdmin.actingFor("globex")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
        ApiPrincipal acting = admin.actingFor("globex");
        assertThat(acting.tenantId()).isEqualTo("globex");
        assertThat(acting.keyTenantId()).isEqualTo("acme");
        assertThat(acting.keyId()).isEqualTo("k2");
    }

    @Test
    void scopeNamesAreTheContractsWords() {
        assertThat(Scope.of("task:create")).contains(Scope.TASK_CREATE);
        assertThat(Scope.of("key:admin")).contains(Scope.KEY_ADMIN);
        assertThat(Scope.of("TASK:CREATE")).isEmpty();
        assertThat(Scope.of(null)).isEmpty();
        assertThat(Scope.ADMIN.toString()).isEqualTo("admin");
    }
}
