package io.taskstream.ingest.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class RateLimitFilterTest {

    final RateLimiterTest.ScriptedBuckets buckets = new RateLimiterTest.ScriptedBuckets();
    final List<Exception> resolved = new ArrayList<>();
    final HandlerExceptionResolver resolver = (request, response, handler, e) -> {
        resolved.add(e);
        return new ModelAndView();
    };
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    final RateLimitFilter filter = new RateLimitFilter(new RateLimiter(buckets, new RateLimiterTest.NoOverrides(),
            RateLimiterTest.PROPERTIES, clock, CircuitBreaker.of("t", RateLimiter.breakerConfig(Duration.ofSeconds(5),
            clock)), new SimpleMeterRegistry()), resolver, RateLimiterTest.PROPERTIES);

    MockHttpServletRequest request(String method, String path) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        request.setAttribute(ApiPrincipal.ATTRIBUTE, new ApiPrincipal("acme", "k1", Set.of(Scope.TASK_READ)));
        return request;
    }

    @Test
    void anAllowedRequestGoesOnWithTheHeaders() throws Exception {
        buckets.answers.add(new TokenBucket.Take(true, 2, 1001, 0));
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request("GET", "/api/v1/tasks"), response, chain);

        assertThat(chain.getRequest()).isNotNull();
        assertThat(response.getHeader("RateLimit-Limit")).isEqualTo("3");
        assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo("2");
        assertThat(response.getHeader("RateLimit-Reset")).as("rounded up").isEqualTo("2");
    }

    @Test
    void aRefusedRequestIsA429ForTheResolver() throws Exception {
        buckets.answers.add(new TokenBucket.Take(false, 0, 3000, 250));
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request("POST", "/api/v1/tasks"), response, chain);

        assertThat(chain.getRequest()).isNull();
        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofMillis(250));
        });
        assertThat(response.getHeader("RateLimit-Reset")).isEqualTo("3");
    }

    @Test
    void withoutRedisAWriteIsA503WithoutRateLimitHeadersAndAReadPasses() throws Exception {
        MockHttpServletResponse write = new MockHttpServletResponse();
        filter.doFilter(request("DELETE", "/api/v1/tasks/1"), write, new MockFilterChain());
        MockHttpServletResponse read = new MockHttpServletResponse();
        MockFilterChain readChain = new MockFilterChain();
        filter.doFilter(request("GET", "/api/v1/tasks/1"), read, readChain);

        assertThat(resolved).singleElement().isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        });
        assertThat(write.getHeader("RateLimit-Limit")).isNull();
        assertThat(readChain.getRequest()).isNotNull();
        assertThat(read.getHeader("RateLimit-Limit")).isNull();
    }

    @Test
    void aRequestWithoutPrincipalIsNotCounted() throws Exception {
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(new MockHttpServletRequest("GET", "/api/v1/tasks"), new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isNotNull();
        assertThat(buckets.calls).isZero();
    }

    @Test
    void secondsAreRoundedUp() {
        assertThat(RateLimitFilter.seconds(0)).isZero();
        assertThat(RateLimitFilter.seconds(1)).isEqualTo(1);
        assertThat(RateLimitFilter.seconds(1000)).isEqualTo(1);
        assertThat(RateLimitFilter.seconds(1001)).isEqualTo(2);
    }
}
