package io.taskstream.ingest.limits;

import static io.taskstream.ingest.TestApi.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisURI;
import io.taskstream.embedded.MutableClock;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.embedded.TcpProxy;
import io.taskstream.ingest.IngestApiApplication;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import tools.jackson.databind.JsonNode;

/**
 * Redis cut off while the API runs (a TCP proxy in front of the real Redis, cut by the test): the limiter
 * cannot count, so reads pass (fail open) and writes are refused with {@code 503} (fail closed), both
 * counted; after a few failures the breaker opens and no request waits for Redis any more; once Redis is
 * back and the breaker's open time has passed, requests are counted again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "spring.data.redis.timeout=500ms",
        "spring.data.redis.connect-timeout=500ms"})
class RateLimitRedisDownIT {

    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    static TcpProxy proxy;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        proxy = new TcpProxy(RedisURI.create(SharedInfrastructure.get().redisUrl()).getPort());
        Map<String, String> properties = new HashMap<>(ItSupport.properties(RateLimitRedisDownIT.class));
        properties.put("spring.data.redis.url", proxy.url());
        properties.put("taskstream.ingest.rate-limit.breaker-open-duration", "PT1M");
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    @AfterAll
    static void closeProxy() {
        proxy.close();
    }

    /** The API's clock: the breaker's open time passes when the test says so. */
    @TestBean
    Clock clock;

    static Clock clock() {
        return CLOCK;
    }

    @LocalServerPort
    int port;
    @Autowired
    RateLimiter limiter;

    static final String TASK = "{\"type\": \"x\", \"payload\": {}}";

    @Test
    void withoutRedisReadsPassWritesAre503AndTheBreakerStopsTheWaitingUntilRedisIsBack() {
        TestApi api = TestApi.onPort(port);
        HttpResponse<String> counted = api.getAuthorized("/api/v1/tasks?limit=1");
        assertThat(counted.headers().firstValue("RateLimit-Limit")).as("Redis up").isPresent();

        proxy.cut();

        HttpResponse<String> read = api.getAuthorized("/api/v1/tasks?limit=1");
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.headers().firstValue("RateLimit-Limit")).as("nothing was counted").isEmpty();
        HttpResponse<String> write = api.authorized("DELETE", "/api/v1/tasks/" + UUID.randomUUID(), null);
        JsonNode problem = assertProblem(write, 503, "dependency_unavailable");
        assertThat(problem.get("detail").asString()).contains("rate limiter", "Redis");
        assertThat(write.headers().firstValue("Retry-After")).contains("60");

        for (int i = 0; i < 5; i++) {
            assertProblem(api.authorized("POST", "/api/v1/tasks", TASK), 503, "dependency_unavailable");
        }
        assertThat(limiter.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        long start = System.nanoTime();
        assertProblem(api.authorized("POST", "/api/v1/tasks", TASK), 503, "dependency_unavailable");
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms: Redis was not asked").isLessThan(150);
        assertThat(api.getAuthorized("/api/v1/tasks?limit=1").statusCode()).isEqualTo(200);

        String metrics = api.get("/actuator/prometheus").body();
        assertThat(metrics).containsPattern("taskstream_ingest_rate_limit_decisions_total\\{group=\"query\","
                + "outcome=\"redis_unavailable_allowed\"} [2-9]");
        assertThat(metrics).containsPattern("taskstream_ingest_rate_limit_decisions_total\\{group=\"submit\","
                + "outcome=\"redis_unavailable_refused\"} [7-9]");
        assertThat(metrics).contains(
                "circuit_breaker_state{name=\"redis-rate-limit\",state=\"open\"} 1");

        proxy.connect();
        // Lettuce reconnects in the background; each poll lets the breaker's open time pass
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            CLOCK.advance(Duration.ofSeconds(61));
            return api.authorized("DELETE", "/api/v1/tasks/" + UUID.randomUUID(), null).statusCode() == 404;
        });
        HttpResponse<String> countedAgain = api.getAuthorized("/api/v1/tasks?limit=1");
        assertThat(countedAgain.headers().firstValue("RateLimit-Limit")).isPresent();
    }
}
