package io.taskstream.ingest.audit;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.util.ContentCachingResponseWrapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.tasks.TraceContext;

/**
 * Audits every mutating {@code /api/v1} request ({@code POST PUT PATCH DELETE}) once it has been answered,
 * whatever the answer — {@code 2xx}, a {@code 403} for a missing scope, a {@code 404}, a {@code 409}, the rate
 * limiter's {@code 429}, a {@code 5xx} — as one {@link AuditEntry} handed to {@link AuditTrail}:
 * <ul>
 *   <li>who: the {@link ApiPrincipal}'s key id and the key's tenant, and the tenant acted for;</li>
 *   <li>what: the action of the matched route ({@link AuditActions}) and its resource: the route's id variable,
 *       else the {@code Location} of the answer (a created task, schedule or key); with the detail a handler
 *       added ({@link AuditDetail}) and, when the answer points elsewhere, its {@code Location};</li>
 *   <li>when: the clock when the request reached this filter;</li>
 *   <li>from where: {@link HttpServletRequest#getRemoteAddr()} — the connection's peer, or what the server's
 *       forwarded-header handling made of it when that is configured ({@code server.forward-headers-strategy});
 *       this filter never reads {@code X-Forwarded-For} itself, which any client can send — and the
 *       {@code User-Agent}, truncated;</li>
 *   <li>the outcome: the status, and {@code ok}/{@code refused}/{@code failed};</li>
 *   <li>the W3C trace id of a valid {@code traceparent}.</li>
 * </ul>
 * Nothing else of the request or the answer is kept: no body (a {@code POST /keys} answer holds a secret), no
 * other header.
 *
 * <p>A request answered without an accepted API key (a {@code 401}, or the key filter's own refusals) is not
 * audited — anyone could fill the table with them — but counted in
 * {@code taskstream.ingest.audit.unauthenticated{status}}. Reads are not audited.
 *
 * <p>It runs before authentication and the rate limiter (order {@link #ORDER}), because both answer without
 * calling the rest of the chain: placed after them, it would never see a {@code 401} to count or a
 * {@code 429} to audit. The principal is read after the chain, when the key filter has put it on the request.
 * For a request the dispatcher never saw (the {@code 429}), the route is looked up afterwards.
 *
 * <p>The body of a mutating answer is held in memory until the entry is recorded (Spring's message converters
 * flush it to the client before the handler returns otherwise), so a client that has its answer knows its
 * entry is queued: a flush of the {@link AuditTrail} then writes it. The bodies are small (a batch of 1,000
 * tasks is the largest), and reads, which are most requests, are not held.
 */
public class AuditFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);

    /** After the security headers (+50), before the API key filter (+100) and the rate limiter (+150). */
    public static final int ORDER = org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 75;
    static final String UNAUTHENTICATED = "taskstream.ingest.audit.unauthenticated";
    private static final String API_PREFIX = "/api/v1/";

    /** The route a request matched: Spring MVC's best-matching pattern and its path variables. */
    public record Route(String pattern, Map<String, String> variables) {
    }

    private final AuditTrail trail;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Function<HttpServletRequest, Optional<Route>> lookUp;

    /**
     * @param lookUp finds the route of a request the dispatcher did not handle (answered by a filter)
     */
    public AuditFilter(AuditTrail trail, Clock clock, MeterRegistry meters,
            Function<HttpServletRequest, Optional<Route>> lookUp) {
        this.trail = trail;
        this.clock = clock;
        this.meters = meters;
        this.lookUp = lookUp;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Instant at = clock.instant();
        // a mutating answer is held back until its entry is recorded (see the class comment)
        HttpServletResponse answer = AuditActions.MUTATING.contains(request.getMethod())
                ? new ContentCachingResponseWrapper(response) : response;
        boolean threw = true;
        try {
            chain.doFilter(request, answer);
            threw = false;
        } finally {
            try {
                audit(request, threw ? HttpServletResponse.SC_INTERNAL_SERVER_ERROR : answer.getStatus(),
                        answer.getHeader(HttpHeaders.LOCATION), at);
            } catch (RuntimeException e) {
                log.error("Could not audit {} {}", request.getMethod(), request.getRequestURI(), e);
            }
            if (answer instanceof ContentCachingResponseWrapper held) {
                held.copyBodyToResponse();
            }
        }
    }

    private void audit(HttpServletRequest request, int status, String location, Instant at) {
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        if (principal == null) {
            meters.counter(UNAUTHENTICATED, "status", Integer.toString(status)).increment();
            return;
        }
        String method = request.getMethod();
        if (!AuditActions.MUTATING.contains(method)) {
            return;
        }
        Map<String, Object> detail = new LinkedHashMap<>(AuditDetail.of(request));
        Optional<Route> route = matched(request).or(() -> lookUp.apply(request))
                .filter(r -> r.pattern().startsWith(API_PREFIX)); // not "/**" of static resources
        String action;
        String resourceType = null;
        String resourceId = null;
        if (route.isPresent()) {
            AuditActions.Action a = AuditActions.of(method, route.get().pattern());
            action = a.name();
            resourceType = a.resourceType();
            if (a.idVariable() != null) {
                resourceId = route.get().variables().get(a.idVariable());
            } else if (resourceType != null && location != null && status < 400) {
                resourceId = location.substring(location.lastIndexOf('/') + 1);
                location = null;
            }
            if (location != null) {
                detail.put("location", location);
            }
        } else {
            action = AuditActions.UNMATCHED;
            detail.put("method", method);
            detail.put("path", AuditEntry.clean(request.getRequestURI(), AuditEntry.MAX_TEXT));
        }
        String traceId = TraceContext.forRequest(request.getHeader("traceparent")).map(TraceContext::traceId).orElse(null);
        trail.record(new AuditEntry(at, principal.tenantId(), principal.keyId(), principal.keyTenantId(), action,
                resourceType, resourceId, detail, traceId, request.getRemoteAddr(),
                request.getHeader(HttpHeaders.USER_AGENT), status, AuditEntry.Outcome.of(status)));
    }

    /** The route the dispatcher matched, if it handled the request. */
    @SuppressWarnings("unchecked")
    static Optional<Route> matched(HttpServletRequest request) {
        Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (pattern == null) {
            return Optional.empty();
        }
        Object variables = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        return Optional.of(new Route(pattern.toString(),
                variables instanceof Map<?, ?> map ? (Map<String, String>) map : Map.of()));
    }
}
