package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class ApiKeyFilterTest {

    private final List<Exception> resolved = new ArrayList<>();
    private final HandlerExceptionResolver resolver = (request, response, handler, ex) -> {
        resolved.add(ex);
        response.setStatus(401);
        return new ModelAndView();
    };
    private final InMemoryKeys keys = new InMemoryKeys();
    private final String adminKey = keys.add("adm", "default", Scope.ADMIN);
    private final String readerKey = keys.add("rdr", "acme", Scope.TASK_READ);
    private final ApiKeyFilter filter = new ApiKeyFilter(new ApiKeyAuthenticator(keys, Clock.systemUTC(), 100,
            Duration.ofMinutes(5)), resolver, Duration.ofSeconds(5));

    private MockFilterChain run(MockHttpServletRequest request) throws Exception {
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        return chain;
    }

    private static MockHttpServletRequest request() {
        return new MockHttpServletRequest("GET", "/api/v1/tasks/x");
    }

    @Test
    void bearerKeyLetsTheRequestThroughAsTheAdminTenant() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer " + adminKey);

        MockFilterChain chain = run(request);

        assertThat(chain.getRequest()).isNotNull();
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        assertThat(principal.tenantId()).isEqualTo("default");
        assertThat(principal.hasScope(Scope.TASK_CREATE)).isTrue();
        assertThat(resolved).isEmpty();
    }

    @Test
    void apiKeyHeaderWorksToo() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("X-API-Key", adminKey);

        assertThat(run(request).getRequest()).isNotNull();
    }

    @Test
    void bearerSchemeIsCaseInsensitive() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "bearer " + adminKey);

        assertThat(run(request).getRequest()).isNotNull();
    }

    @Test
    void missingKeyIsUnauthenticated() throws Exception {
        MockFilterChain chain = run(request());

        assertThat(chain.getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("an API key is required");
        });
    }

    @Test
    void wrongKeyIsUnauthenticatedAndNotEchoed() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer " + adminKey + "x");

        MockFilterChain chain = run(request);

        assertThat(chain.getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("the API key is not valid");
        });
        assertThat(request.getAttribute(ApiPrincipal.ATTRIBUTE)).isNull();
    }

    @Test
    void otherAuthorizationSchemesAreNotKeys() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Basic " + adminKey);

        assertThat(run(request).getRequest()).isNull();
    }

    @Test
    void emptyKeyIsMissing() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer    ");
        request.addHeader("X-API-Key", " ");

        assertThat(run(request).getRequest()).isNull();
        assertThat(resolved.getFirst().getMessage()).contains("required");
    }

    @Test
    void anAdminKeyActsForTheTenantItNames() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer " + adminKey);
        request.addHeader("X-Tenant-Id", "globex");

        assertThat(run(request).getRequest()).isNotNull();
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        assertThat(principal.tenantId()).isEqualTo("globex");
        assertThat(principal.keyTenantId()).isEqualTo("default");
    }

    @Test
    void anyOtherKeyNamingAnotherTenantIsForbiddenButMayNameItsOwn() throws Exception {
        MockHttpServletRequest other = request();
        other.addHeader("Authorization", "Bearer " + readerKey);
        other.addHeader("X-Tenant-Id", "globex");
        assertThat(run(other).getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));

        MockHttpServletRequest own = request();
        own.addHeader("Authorization", "Bearer " + readerKey);
        own.addHeader("X-Tenant-Id", "acme");
        assertThat(run(own).getRequest()).isNotNull();
    }

    @Test
    void aTenantHeaderThatIsNoTenantIdIsAValidationError() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer " + adminKey);
        request.addHeader("X-Tenant-Id", "../etc' OR '1'='1");

        assertThat(run(request).getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
    }

    @Test
    void aDatabaseThatCannotBeReadIsAnUnavailableDependencyNotAnError() throws Exception {
        KeyRepository broken = new KeyRepository(null) {
            @Override
            public java.util.Optional<StoredKey> findByPrefix(String prefix) {
                throw new org.springframework.dao.DataAccessResourceFailureException("connection refused");
            }
        };
        ApiKeyFilter down = new ApiKeyFilter(new ApiKeyAuthenticator(broken, Clock.systemUTC(), 100,
                Duration.ofMinutes(5)), resolver, Duration.ofSeconds(5));
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "Bearer " + adminKey);
        MockFilterChain chain = new MockFilterChain();

        down.doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
}
