package io.taskstream.ingest.limits;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/**
 * Counts every authenticated {@code /api/v1} request against its tenant's bucket of its endpoint group
 * ({@link RateLimiter}). Runs right after {@code ApiKeyFilter}, so a request without a valid key never
 * reaches it (and costs its tenant nothing); the tenant is the one the request acts for
 * ({@link ApiPrincipal#tenantId()}, which for an admin key may be another tenant it names).
 *
 * <p>Every request it decided on with Redis's answer carries
 * <ul>
 *   <li>{@code RateLimit-Limit}: the bucket's size, the burst, in requests;</li>
 *   <li>{@code RateLimit-Remaining}: whole requests left in the bucket now;</li>
 *   <li>{@code RateLimit-Reset}: seconds (rounded up) until the bucket is full again;</li>
 * </ul>
 * a refused one is {@code 429 rate_limited} with {@code Retry-After}: seconds (rounded up, at least 1)
 * until the bucket holds a token again. When Redis could not decide, the headers are left out; a write is
 * then {@code 503 dependency_unavailable} with {@code Retry-After}. Problems go through the same exception
 * handling as every other error.
 */
public class RateLimitFilter extends OncePerRequestFilter {

    public static final String LIMIT = "RateLimit-Limit";
    public static final String REMAINING = "RateLimit-Remaining";
    public static final String RESET = "RateLimit-Reset";

    private final RateLimiter limiter;
    private final HandlerExceptionResolver exceptionResolver;
    private final RateLimitProperties properties;

    public RateLimitFilter(RateLimiter limiter, HandlerExceptionResolver exceptionResolver,
            RateLimitProperties properties) {
        this.limiter = limiter;
        this.exceptionResolver = exceptionResolver;
        this.properties = properties;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        if (principal == null) {
            // not authenticated: ApiKeyFilter answered already (or the path is not protected)
            chain.doFilter(request, response);
            return;
        }
        EndpointGroup group = EndpointGroup.of(request.getMethod(), pathOf(request));
        RateLimiter.Decision decision = limiter.decide(principal.tenantId(), group);
        if (decision.take() != null) {
            response.setHeader(LIMIT, Integer.toString(decision.limit().burst()));
            response.setHeader(REMAINING, Long.toString(decision.take().remaining()));
            response.setHeader(RESET, Long.toString(seconds(decision.take().millisUntilFull())));
        }
        switch (decision.outcome()) {
            case ALLOWED, REDIS_UNAVAILABLE_ALLOWED -> chain.doFilter(request, response);
            case LIMITED -> reject(request, response, new ApiException(ErrorCode.RATE_LIMITED,
                    "tenant " + principal.tenantId() + " is over its " + group.wireName() + " rate limit ("
                            + decision.limit().requestsPerMinute() + " requests/min, burst "
                            + decision.limit().burst() + "); retry after Retry-After",
                    java.util.List.of(), decision.retryAfter(), null));
            case REDIS_UNAVAILABLE_REFUSED -> reject(request, response, ApiException.dependencyUnavailable(
                    "the rate limiter cannot reach Redis, so writes are refused; retry later",
                    properties.breakerOpenDuration(), null));
        }
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, ApiException problem) {
        exceptionResolver.resolveException(request, response, null, problem);
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }

    /** Whole seconds, rounded up. */
    static long seconds(long millis) {
        return Math.max(0, (millis + 999) / 1000);
    }
}
