package io.taskstream.ingest.auth;

import java.io.IOException;

import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Response headers that keep browsers from misusing what the service answers, set before anything
 * else runs (so a {@code 401} carries them too):
 * <ul>
 *   <li>everywhere: {@code X-Content-Type-Options: nosniff} (a JSON answer is never run as a script),
 *       {@code X-Frame-Options: DENY} (no clickjacking through a frame), {@code Referrer-Policy: no-referrer};</li>
 *   <li>on the API ({@code /api/*}): {@code Cache-Control: no-store} (tenants' data stays out of shared
 *       caches) and {@code Content-Security-Policy: default-src 'none'; frame-ancestors 'none'} (an answer
 *       opened in a browser can load and run nothing). Swagger UI and the dashboard need scripts and
 *       styles, so they do not get that policy.</li>
 * </ul>
 * {@code Strict-Transport-Security} belongs to whatever terminates TLS in front of the service.
 */
public class SecurityHeadersFilter extends OncePerRequestFilter {

    static final String API_PREFIX = "/api/";
    static final String API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        if (request.getRequestURI().startsWith(API_PREFIX)) {
            response.setHeader("Cache-Control", "no-store");
            response.setHeader("Content-Security-Policy", API_CONTENT_SECURITY_POLICY);
        }
        chain.doFilter(request, response);
    }
}
