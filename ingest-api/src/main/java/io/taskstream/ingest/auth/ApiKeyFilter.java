package io.taskstream.ingest.auth;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/**
 * Requires an API key on every {@code /api/v1/**} request: {@code Authorization: Bearer <key>}, or
 * {@code X-API-Key: <key>}. A missing or wrong key is answered {@code 401 unauthenticated} through the
 * same exception handling as every other error; a valid one puts its {@link ApiPrincipal} on the
 * request. The key is never logged.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String API_KEY_HEADER = "X-API-Key";
    private static final String BEARER = "bearer ";

    private final ApiKeyAuthenticator authenticator;
    private final HandlerExceptionResolver exceptionResolver;

    public ApiKeyFilter(ApiKeyAuthenticator authenticator, HandlerExceptionResolver exceptionResolver) {
        this.authenticator = authenticator;
        this.exceptionResolver = exceptionResolver;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> key = presentedKey(request);
        if (key.isEmpty()) {
            reject(request, response, "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'");
            return;
        }
        Optional<ApiPrincipal> principal = authenticator.authenticate(key.get());
        if (principal.isEmpty()) {
            reject(request, response, "the API key is not valid");
            return;
        }
        request.setAttribute(ApiPrincipal.ATTRIBUTE, principal.get());
        chain.doFilter(request, response);
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
