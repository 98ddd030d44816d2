package io.taskstream.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class SecurityHeadersFilterTest {

    private final SecurityHeadersFilter filter = new SecurityHeadersFilter();

    private MockHttpServletResponse run(String path) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(new MockHttpServletRequest("GET", path), response, chain);
        assertThat(chain.getRequest()).as("the request goes on").isNotNull();
        return response;
    }

    @Test
    void apiAnswersAreNeitherSniffedFramedCachedNorAbleToRunAnything() throws Exception {
        MockHttpServletResponse response = run("/api/v1/tasks");
        assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.getHeader("X-Frame-Options")).isEqualTo("DENY");
        assertThat(response.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(response.getHeader("Content-Security-Policy")).isEqualTo("default-src 'none'; frame-ancestors 'none'");
    }

    @Test
    void swaggerUiAndTheDashboardKeepTheirScriptsButAreNotFramedOrSniffed() throws Exception {
        for (String path : new String[] {"/swagger-ui/index.html", "/", "/v3/api-docs"}) {
            MockHttpServletResponse response = run(path);
            assertThat(response.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(response.getHeader("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(response.getHeader("Content-Security-Policy")).as(path).isNull();
            assertThat(response.getHeader("Cache-Control")).as(path).isNull();
        }
    }
}
