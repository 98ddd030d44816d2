package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import io.taskstream.ingest.config.IngestPropertiesTest;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class ApiKeyFilterTest {

    private final List<Exception> resolved = new ArrayList<>();
    private final HandlerExceptionResolver resolver = (request, response, handler, ex) -> {
        resolved.add(ex);
        response.setStatus(401);
        return new ModelAndView();
    };
    private final ApiKeyFilter filter = new ApiKeyFilter(new ApiKeyAuthenticator(IngestPropertiesTest.valid()),
            resolver);

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
        request.addHeader("Authorization", "Bearer " + IngestPropertiesTest.KEY);

        MockFilterChain chain = run(request);

        assertThat(chain.getRequest()).isNotNull();
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        assertThat(principal.tenantId()).isEqualTo("default");
        assertThat(principal.hasScope("task:create")).isTrue();
        assertThat(resolved).isEmpty();
    }

    @Test
    void apiKeyHeaderWorksToo() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("X-API-Key", IngestPropertiesTest.KEY);

        assertThat(run(request).getRequest()).isNotNull();
    }

    @Test
    void bearerSchemeIsCaseInsensitive() throws Exception {
        MockHttpServletRequest request = request();
        request.addHeader("Authorization", "bearer " + IngestPropertiesTest.KEY);

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
        request.addHeader("Authorization", "Bearer " + IngestPropertiesTest.KEY + "x");

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
        request.addHeader("Authorization", "Basic " + IngestPropertiesTest.KEY);

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
}
