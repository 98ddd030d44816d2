package io.taskstream.ingest.auth;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Violation;

/**
 * Requires an API key on every {@code /api/v1/**} request: {@code Authorization: Bearer <key>}, or
 * {@code X-API-Key: <key>}. A missing or wrong key is answered {@code 401 unauthenticated} through the
 * same exception handling as every other error; a valid one puts its {@link ApiPrincipal} on the
 * request — acting for the tenant named in {@code X-Tenant-Id} when an {@code admin} key sends one
 * ({@code 403} for any other key naming a tenant not its own). The key is never logged.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String API_KEY_HEADER = "X-API-Key";
    /** Lets an {@code admin} key act for another tenant; any other key may only name its own. */
    public static final String TENANT_HEADER = "X-Tenant-Id";
    private static final String BEARER = "bearer ";

    private final ApiKeyAuthenticator authenticator;
    private final HandlerExceptionResolver exceptionResolver;
    private final Duration retryAfter;

    public ApiKeyFilter(ApiKeyAuthenticator authenticator, HandlerExceptionResolver exceptionResolver,
            Duration retryAfter) {
        this.authenticator = authenticator;
        this.exceptionResolver = exceptionResolver;
        this.retryAfter = retryAfter;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> key = presentedKey(request);
        if (key.isEmpty()) {
            reject(request, response, "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
            return;
        }
        Optional<ApiPrincipal> principal;
        try {
            principal = authenticator.authenticate(key.get());
        } catch (DataAccessException e) {
            exceptionResolver.resolveException(request, response, null, ApiException.dependencyUnavailable(
                    "the API keys cannot be read right now (Postgres)", retryAfter, e));
            return;
        }
        if (principal.isEmpty()) {
            reject(request, response, "the API key is not valid");
            return;
        }
        String tenant = request.getHeader(TENANT_HEADER);
        ApiPrincipal acting;
        try {
            acting = tenant == null ? principal.get() : principal.get().actingFor(validTenant(tenant.strip()));
        } catch (ApiException e) {
            // the key is genuine: the audit trail records who was refused
            request.setAttribute(ApiPrincipal.ATTRIBUTE, principal.get());
            exceptionResolver.resolveException(request, response, null, e);
            return;
        }
        request.setAttribute(ApiPrincipal.ATTRIBUTE, acting);
        chain.doFilter(request, response);
    }

    private static String validTenant(String tenant) {
        if (!IngestProperties.TENANT_PATTERN.matcher(tenant).matches()) {
            throw ApiException.validation(List.of(new Violation(TENANT_HEADER, IngestProperties.TENANT_RULE)));
        }
        return tenant;
    }

    static Optional<String> presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Optional.of(authorization.substring(BEARER.length()).strip()).filter(k -> !k.isEmpty());
        }
        String apiKey = request.getHeader(API_KEY_HEADER);
        return Optional.ofNullable(apiKey).map(String::strip).filter(k -> !k.isEmpty());
    }

    private void reject(HttpServletRequest request, HttpServletResponse response, String detail) {
        exceptionResolver.resolveException(request, response, null, new ApiException(ErrorCode.UNAUTHENTICATED, detail));
    }
}
