package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import io.taskstream.ingest.IngestApiApplication;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;

/** With no broker to talk to, a submission fails fast and honestly: 503, and nothing recorded. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=" + IngestApiApplication.CONFIG_NAME,
        "spring.kafka.admin.auto-create=false",
        "spring.kafka.admin.fail-fast=false",
        "taskstream.ingest.submit-timeout=PT1S",
        "taskstream.ingest.retry-after=PT3S"})
class KafkaDownIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        Map<String, String> properties = new java.util.HashMap<>(ItSupport.properties(KafkaDownIT.class));
        properties.put("spring.kafka.bootstrap-servers", "127.0.0.1:" + freePort());
        properties.forEach((k, v) -> registry.add(k, () -> v));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void submittingWhileKafkaIsDownIsAQuick503WithRetryAfter() {
        long start = System.nanoTime();
        HttpResponse<String> response = TestApi.onPort(port).submit("{\"type\": \"a\", \"payload\": {}}");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(TestApi.json(response).get("code").asString()).isEqualTo("dependency_unavailable");
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks", Long.class)).as("nothing accepted").isZero();
    }

    @Test
    void readinessReportsTheOutage() {
        HttpResponse<String> readiness = TestApi.onPort(port).get("/actuator/health/readiness");

        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(TestApi.onPort(port).get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }
}
