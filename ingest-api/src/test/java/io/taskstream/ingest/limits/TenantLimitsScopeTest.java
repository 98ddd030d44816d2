package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.method.HandlerMethod;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.auth.ScopeInterceptor;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/** The limits endpoints are the {@code admin} scope's alone: every other key is {@code 403}. */
class TenantLimitsScopeTest {

    @Test
    void everyOperationNeedsTheAdminScope() {
        Method[] operations = Arrays.stream(TenantLimitsController.class.getDeclaredMethods())
                .filter(m -> java.lang.reflect.Modifier.isPublic(m.getModifiers())).toArray(Method[]::new);

        assertThat(operations).hasSize(2).allSatisfy(m ->
                assertThat(m.getAnnotation(RequiresScope.class).value()).isEqualTo(Scope.ADMIN));
    }

    @Test
    void aKeyWithEveryOtherScopeIsForbidden() throws Exception {
        TenantLimitsController controller = new TenantLimitsController(null, null);
        Set<Scope> allButAdmin = java.util.EnumSet.complementOf(java.util.EnumSet.of(Scope.ADMIN));
        for (Method method : TenantLimitsController.class.getDeclaredMethods()) {
            if (method.getAnnotation(RequiresScope.class) == null) {
                continue;
            }
            MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/tenants/acme/limits");
            request.setAttribute(ApiPrincipal.ATTRIBUTE, new ApiPrincipal("acme", "k1", allButAdmin));

            assertThatThrownBy(() -> new ScopeInterceptor().preHandle(request, new MockHttpServletResponse(),
                    new HandlerMethod(controller, method)))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));

            request.setAttribute(ApiPrincipal.ATTRIBUTE, new ApiPrincipal("acme", "admin", Set.of(Scope.ADMIN)));
            assertThat(new ScopeInterceptor().preHandle(request, new MockHttpServletResponse(),
                    new HandlerMethod(controller, method))).isTrue();
        }
    }
}
