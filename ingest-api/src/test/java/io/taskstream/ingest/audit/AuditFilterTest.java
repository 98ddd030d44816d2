package io.taskstream.ingest.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.HandlerMapping;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.audit.AuditEntry.Outcome;
import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.Scope;

/** What the filter makes of a request, with the dispatcher and the key filter played by the chain. */
class AuditFilterTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final ApiPrincipal TASKS_KEY = new ApiPrincipal("acme", "key-1", Set.of(Scope.TASK_CREATE));
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private final List<AuditEntry> written = new ArrayList<>();
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(T0);
    private final AuditTrail trail = new AuditTrail(written::addAll, AuditProperties.defaults(), clock, meters);
    private AuditFilter.Route lookedUp;
    private final AuditFilter filter = new AuditFilter(trail, clock, meters, request -> Optional.ofNullable(lookedUp));

    private static MockHttpServletRequest request(String method, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri);
        request.setRemoteAddr("203.0.113.7");
        request.addHeader("User-Agent", "taskstream-cli/1.0");
        request.addHeader("X-Forwarded-For", "198.51.100.1");
        return request;
    }

    /** The chain as the key filter and the dispatcher would run it: principal, route, answer. */
    private static FilterChain answering(ApiPrincipal principal, String pattern, Map<String, String> variables,
            int status, String location) {
        return (req, res) -> {
            if (principal != null) {
                req.setAttribute(ApiPrincipal.ATTRIBUTE, principal);
            }
            if (pattern != null) {
                req.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, pattern);
                req.setAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, variables);
            }
            HttpServletResponse response = (HttpServletResponse) res;
            response.setStatus(status);
            if (location != null) {
                response.setHeader("Location", location);
            }
        };
    }

    private List<AuditEntry> run(MockHttpServletRequest request, FilterChain chain) throws Exception {
        clock.advance(Duration.ofMillis(1));
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        trail.flush();
        return written;
    }

    @Test
    void aSubmittedTaskIsRecordedWithWhoWhatWhenWhereAndTheOutcome() throws Exception {
        MockHttpServletRequest request = request("POST", "/api/v1/tasks");
        request.addHeader("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01");

        List<AuditEntry> entries = run(request, answering(TASKS_KEY, "/api/v1/tasks", Map.of(), 202,
                "/api/v1/tasks/0193a5b2-0000-7000-8000-000000000001"));

        assertThat(entries).singleElement().isEqualTo(new AuditEntry(T0.plusMillis(1), "acme", "key-1", "acme",
                "task.submit", "task", "0193a5b2-0000-7000-8000-000000000001", Map.of(), TRACE_ID, "203.0.113.7",
                "taskstream-cli/1.0", 202, Outcome.OK));
    }

    @Test
    void anAdminActingForAnotherTenantIsRecordedWithBothTenantsAndTheRoutesResource() throws Exception {
        ApiPrincipal admin = new ApiPrincipal("acme", "key-9", "ops", Set.of(Scope.ADMIN));

        List<AuditEntry> entries = run(request("DELETE", "/api/v1/schedules/s1"),
                answering(admin, "/api/v1/schedules/{id}", Map.of("id", "s1"), 404, null));

        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.tenantId()).isEqualTo("acme");
            assertThat(e.actor()).isEqualTo("key-9");
            assertThat(e.actorTenantId()).isEqualTo("ops");
            assertThat(e.action()).isEqualTo("schedule.delete");
            assertThat(e.resourceType()).isEqualTo("schedule");
            assertThat(e.resourceId()).isEqualTo("s1");
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(e.traceId()).isNull();
        });
    }

    @Test
    void whatAHandlerAddsAndALocationElsewhereGoIntoTheDetail() throws Exception {
        MockHttpServletRequest request = request("POST", "/api/v1/schedules/s1:trigger");
        AuditDetail.put(request, "taskId", "t1");

        List<AuditEntry> entries = run(request, answering(TASKS_KEY, "/api/v1/schedules/{id}:trigger",
                Map.of("id", "s1"), 202, "/api/v1/tasks/t1"));

        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.resourceId()).isEqualTo("s1");
            assertThat(e.detail()).containsExactly(Map.entry("taskId", "t1"), Map.entry("location", "/api/v1/tasks/t1"));
        });
    }

    @Test
    void readsAreNotAudited() throws Exception {
        assertThat(run(request("GET", "/api/v1/tasks"), answering(TASKS_KEY, "/api/v1/tasks", Map.of(), 200, null)))
                .isEmpty();
    }

    @Test
    void aRequestWithoutAnAcceptedKeyIsOnlyCounted() throws Exception {
        assertThat(run(request("POST", "/api/v1/tasks"), answering(null, null, Map.of(), 401, null))).isEmpty();
        assertThat(run(request("GET", "/api/v1/tasks"), answering(null, null, Map.of(), 401, null))).isEmpty();

        assertThat(meters.counter(AuditFilter.UNAUTHENTICATED, "status", "401").count()).isEqualTo(2);
    }

    @Test
    void aRequestAFilterRefusedGetsItsRouteLookedUp() throws Exception {
        lookedUp = new AuditFilter.Route("/api/v1/dlq/{taskId}:replay", Map.of("taskId", "t7"));

        List<AuditEntry> entries = run(request("POST", "/api/v1/dlq/t7:replay"),
                answering(TASKS_KEY, null, Map.of(), 429, null));

        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo("dlq.replay");
            assertThat(e.resourceId()).isEqualTo("t7");
            assertThat(e.status()).isEqualTo(429);
        });
    }

    @Test
    void aRequestNoRouteTakesIsRecordedAsUnmatchedWithItsMethodAndPath() throws Exception {
        List<AuditEntry> entries = run(request("PUT", "/api/v1/nothing/here"),
                answering(TASKS_KEY, "/**", Map.of(), 404, null));

        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(AuditActions.UNMATCHED);
            assertThat(e.resourceType()).isNull();
            assertThat(e.detail()).containsExactly(Map.entry("method", "PUT"), Map.entry("path", "/api/v1/nothing/here"));
        });
    }

    @Test
    void aRequestThatBlewUpIsRecordedAsFailedAndTheErrorGoesOn() throws Exception {
        FilterChain failing = (req, res) -> {
            req.setAttribute(ApiPrincipal.ATTRIBUTE, TASKS_KEY);
            req.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, "/api/v1/tasks/{id}");
            req.setAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, Map.of("id", "t1"));
            throw new ServletException("boom");
        };

        assertThatThrownBy(() -> filter.doFilter(request("PATCH", "/api/v1/tasks/t1"), new MockHttpServletResponse(),
                failing)).isInstanceOf(ServletException.class);
        trail.flush();

        assertThat(written).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo("task.reprioritize");
            assertThat(e.status()).isEqualTo(500);
            assertThat(e.outcome()).isEqualTo(Outcome.FAILED);
        });
    }
}
