package io.taskstream.ingest.limits;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

import io.taskstream.embedded.MutableClock;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * Rate limiting over real HTTP, real Redis and real PostgreSQL, with the API's clock moved by the test:
 * 60 requests a minute with a burst of 3 in every group but {@code admin} (so that the limits endpoints
 * themselves are not in the way).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class RateLimitIT {

    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    static final String QUERY = "/api/v1/tasks?limit=1";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        Map<String, String> properties = new HashMap<>(ItSupport.properties(RateLimitIT.class));
        properties.put("taskstream.ingest.rate-limit.requests-per-minute", "60");
        properties.put("taskstream.ingest.rate-limit.burst", "3");
        properties.put("taskstream.ingest.rate-limit.groups.admin.requests-per-minute", "6000");
        properties.put("taskstream.ingest.rate-limit.groups.admin.burst", "100");
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    /** The API's clock, moved by the tests. */
    @TestBean
    Clock clock;

    static Clock clock() {
        return CLOCK;
    }

    @LocalServerPort
    int port;

    TestApi api;

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        // every bucket full again, the tenant back on the configured limits
        CLOCK.advance(Duration.ofHours(1));
        assertThat(api.authorized("PUT", "/api/v1/tenants/default/limits", "{}").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> query() {
        return api.getAuthorized(QUERY);
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Test
    void everyResponseSaysTheLimitWhatIsLeftAndWhenTheBucketIsFull() {
        HttpResponse<String> first = query();
        HttpResponse<String> second = query();

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(header(first, "RateLimit-Limit")).isEqualTo("3");
        assertThat(header(first, "RateLimit-Remaining")).isEqualTo("2");
        assertThat(header(first, "RateLimit-Reset")).as("one token a second").isEqualTo("1");
        assertThat(header(second, "RateLimit-Remaining")).isEqualTo("1");
        assertThat(header(second, "RateLimit-Reset")).isEqualTo("2");
        assertThat(header(second, "Retry-After")).isNull();

        HttpResponse<String> notFound = api.getAuthorized("/api/v1/tasks/" + UUID.randomUUID());
        assertProblem(notFound, 404, "not_found");
        assertThat(header(notFound, "RateLimit-Remaining")).as("errors count and say so too").isEqualTo("0");
    }

    @Test
    void overTheBurstIs429WithRetryAfterAndTheRequestPassesOnceATokenIsBack() {
        query();
        query();
        query();

        HttpResponse<String> refused = query();

        JsonNode problem = assertProblem(refused, 429, "rate_limited");
        assertThat(problem.get("detail").asString()).contains("tenant default", "query", "60 requests/min");
        assertThat(header(refused, "Retry-After")).isEqualTo("1");
        assertThat(header(refused, "RateLimit-Limit")).isEqualTo("3");
        assertThat(header(refused, "RateLimit-Remaining")).isEqualTo("0");
        assertThat(header(refused, "RateLimit-Reset")).isEqualTo("3");

        CLOCK.advance(Duration.ofMillis(999));
        assertProblem(query(), 429, "rate_limited");
        CLOCK.advance(Duration.ofMillis(1));
        HttpResponse<String> recovered = query();
        assertThat(recovered.statusCode()).as(recovered.body()).isEqualTo(200);
        assertThat(header(recovered, "RateLimit-Remaining")).isEqualTo("0");
    }

    @Test
    void overAMinuteTheConfiguredRateIsAllowedWithinTenPercentThenItRecovers() {
        int allowed = 0;
        int limited = 0;
        // four requests a second for a minute: four times the rate
        for (long ms = 0; ms < 60_000; ms += 250) {
            int status = query().statusCode();
            if (status == 200) {
                allowed++;
            } else {
                assertThat(status).isEqualTo(429);
                limited++;
            }
            CLOCK.advance(Duration.ofMillis(250));
        }

        // the burst of 3 plus 60 a minute
        assertThat(allowed).isBetween((int) (63 * 0.9), (int) Math.ceil(63 * 1.1));
        assertThat(limited).isEqualTo(240 - allowed);

        CLOCK.advance(Duration.ofSeconds(3));
        for (int i = 0; i < 3; i++) {
            assertThat(query().statusCode()).as("recovered: the whole burst again").isEqualTo(200);
        }
    }

    @Test
    void groupsHaveBucketsOfTheirOwn() {
        query();
        query();
        query();
        assertProblem(query(), 429, "rate_limited");

        // a write: cancelling an unknown task is 404, but counted in submit, which is untouched
        HttpResponse<String> write = api.authorized("DELETE", "/api/v1/tasks/" + UUID.randomUUID(), null);
        assertProblem(write, 404, "not_found");
        assertThat(header(write, "RateLimit-Remaining")).isEqualTo("2");

        HttpResponse<String> admin = api.getAuthorized("/api/v1/tenants/default/limits");
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(header(admin, "RateLimit-Limit")).as("the admin group's configured burst").isEqualTo("100");
    }

    @Test
    void aTenantsOwnLimitsTakeEffectAtOnceAndAreShownWithTheEffectiveOnes() {
        HttpResponse<String> put = api.authorized("PUT", "/api/v1/tenants/default/limits", """
                {"requestsPerMinute": 600, "burst": 10, "groups": {"submit": {"requestsPerMinute": 6, "burst": 1}}}""");

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode view = json(put);
        assertThat(view.get("tenantId").asString()).isEqualTo("default");
        assertThat(view.get("requestsPerMinute").asInt()).isEqualTo(600);
        assertThat(view.get("burst").asInt()).isEqualTo(10);
        assertThat(view.get("groups")).isEqualTo(Json.mapper().readTree(
                "{\"submit\": {\"requestsPerMinute\": 6, \"burst\": 1}}"));
        assertThat(view.get("effective")).isEqualTo(Json.mapper().readTree("""
                {"submit": {"requestsPerMinute": 6, "burst": 1},
                 "query": {"requestsPerMinute": 600, "burst": 10},
                 "admin": {"requestsPerMinute": 600, "burst": 10}}"""));
        assertThat(view.get("updatedAt").isNull()).isFalse();
        assertThat(json(api.getAuthorized("/api/v1/tenants/default/limits"))).isEqualTo(view);

        for (int i = 0; i < 10; i++) {
            assertThat(query().statusCode()).as("request %d", i).isEqualTo(200);
        }
        HttpResponse<String> refused = query();
        assertProblem(refused, 429, "rate_limited");
        assertThat(header(refused, "RateLimit-Limit")).isEqualTo("10");
        assertThat(header(refused, "Retry-After")).as("600 a minute: a token every 100 ms").isEqualTo("1");

        assertThat(api.authorized("DELETE", "/api/v1/tasks/" + UUID.randomUUID(), null).statusCode()).isEqualTo(404);
        HttpResponse<String> write = api.authorized("DELETE", "/api/v1/tasks/" + UUID.randomUUID(), null);
        assertProblem(write, 429, "rate_limited");
        assertThat(header(write, "Retry-After")).as("6 a minute").isEqualTo("10");
        assertThat(api.get("/actuator/prometheus").body()).as("a write of the submit group refused for its rate")
                .containsPattern("tasks_rejected_total\\{reason=\"rate_limited\"} [1-9]");

        HttpResponse<String> cleared = api.authorized("PUT", "/api/v1/tenants/default/limits", "{}");
        assertThat(json(cleared).get("requestsPerMinute").isNull()).isTrue();
        assertThat(json(cleared).get("effective").get("query")).isEqualTo(Json.mapper().readTree(
                "{\"requestsPerMinute\": 60, \"burst\": 3}"));
        assertThat(json(cleared).get("updatedAt").isNull()).isTrue();
    }

    @Test
    void anotherTenantsLimitsAreItsOwn() {
        HttpResponse<String> put = api.authorized("PUT", "/api/v1/tenants/acme/limits",
                "{\"requestsPerMinute\": 120, \"burst\": 7}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        HttpResponse<String> asAcme = api.authorized("GET", QUERY, null, "X-Tenant-Id", "acme");
        assertThat(asAcme.statusCode()).as(asAcme.body()).isEqualTo(200);
        assertThat(header(asAcme, "RateLimit-Limit")).isEqualTo("7");
        assertThat(header(query(), "RateLimit-Limit")).isEqualTo("3");
        assertThat(json(api.getAuthorized("/api/v1/tenants/globex/limits")).get("effective").get("submit"))
                .isEqualTo(Json.mapper().readTree("{\"requestsPerMinute\": 60, \"burst\": 3}"));
    }

    @Test
    void badLimitBodiesAre400NamingEveryProblem() {
        JsonNode problem = assertProblem(api.authorized("PUT", "/api/v1/tenants/default/limits", """
                {"requestsPerMinute": 0, "colour": "red",
                 "groups": {"submit": {"burst": 5, "rate": 1}, "bulk": {"requestsPerMinute": 1, "burst": 1},
                            "query": {"requestsPerMinute": 1.5, "burst": 99999999}}}"""), 400, "validation_failed");

        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString())).containsExactlyInAnyOrder(
                "colour", "requestsPerMinute", "burst", "groups.submit.rate", "groups.submit.requestsPerMinute",
                "groups.bulk", "groups.query.requestsPerMinute", "groups.query.burst");
        assertProblem(api.authorized("PUT", "/api/v1/tenants/default/limits", "{\"groups\": []}"), 400,
                "validation_failed");
        assertProblem(api.authorized("PUT", "/api/v1/tenants/default/limits", "{\"burst\": "), 400,
                "malformed_request");
        assertProblem(api.authorized("PUT", "/api/v1/tenants/default/limits", "[]"), 400, "validation_failed");
        assertProblem(api.authorized("PUT", "/api/v1/tenants/no%20such/limits", "{}"), 404, "not_found");
        assertProblem(api.getAuthorized("/api/v1/tenants/no%20such/limits"), 404, "not_found");
        assertThat(json(api.getAuthorized("/api/v1/tenants/default/limits")).get("burst").isNull())
                .as("nothing stored").isTrue();
    }

    @Test
    void onlyAdminKeysReadOrSetLimits() {
        HttpResponse<String> minted = api.authorized("POST", "/api/v1/keys",
                "{\"name\": \"reader-" + UUID.randomUUID() + "\", \"scopes\": [\"task:read\", \"key:admin\"]}");
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
        String reader = json(minted).get("secret").asString();

        assertProblem(api.get("/api/v1/tenants/default/limits", "Authorization", "Bearer " + reader), 403,
                "forbidden");
        assertProblem(api.send("PUT", "/api/v1/tenants/default/limits", "{}", "Authorization", "Bearer " + reader,
                "Content-Type", "application/json"), 403, "forbidden");
        assertProblem(api.get("/api/v1/tenants/default/limits"), 401, "unauthenticated");
    }

    @Test
    void decisionsAreCountedByGroupAndOutcome() {
        query();
        query();
        query();
        query();

        String metrics = api.get("/actuator/prometheus").body();

        assertThat(metrics).containsPattern(
                "taskstream_ingest_rate_limit_decisions_total\\{group=\"query\",outcome=\"limited\"} [1-9]");
        assertThat(metrics).containsPattern(
                "taskstream_ingest_rate_limit_decisions_total\\{group=\"query\",outcome=\"allowed\"} [1-9]");
        assertThat(metrics).contains("circuit_breaker_state{name=\"redis-rate-limit\",state=\"closed\"} 1");
    }
}
