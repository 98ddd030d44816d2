package io.taskstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.embedded.EmbeddedRedis;

/**
 * The API's probes with its configuration as shipped: readiness follows Redis — a real server of the
 * class's own, stopped and started again on the same port — while liveness stays up, and neither shows
 * details on the open endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class HealthProbesIT {

    /** How long Lettuce may take to notice and to reconnect (its back-off grows to seconds). */
    static final Duration WITHIN = Duration.ofSeconds(60);

    static EmbeddedRedis redis;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        redis = EmbeddedRedis.start();
        Map<String, String> properties = new HashMap<>(ItSupport.properties(HealthProbesIT.class));
        properties.put("spring.data.redis.url", redis.url());
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @LocalServerPort
    int port;

    @Test
    void readinessGoesDownWhileRedisIsStoppedAndUpOnceItIsBackWhileLivenessStaysUp() {
        TestApi api = TestApi.onPort(port);
        await().atMost(WITHIN).until(() -> api.get("/actuator/health/readiness").statusCode() == 200);
        assertThat(api.get("/actuator/health/readiness").body()).as("no details on the open endpoint")
                .isEqualTo("{\"status\":\"UP\"}");

        int redisPort = redis.port();
        redis.close();

        await().atMost(WITHIN).until(() -> api.get("/actuator/health/readiness").statusCode() == 503);
        assertThat(api.get("/actuator/health/readiness").body()).isEqualTo("{\"status\":\"DOWN\"}");
        HttpResponse<String> live = api.get("/actuator/health/liveness");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);

        redis = EmbeddedRedis.startOn(redisPort);

        await().atMost(WITHIN).until(() -> api.get("/actuator/health/readiness").statusCode() == 200);
        assertThat(api.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }
}
