package io.taskstream.ingest.workers;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
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
 * {@code GET /api/v1/workers} against real Redis. No worker runs: the test writes heartbeats the way
 * workers write them (docs/wire-conventions.md, "Worker heartbeats": a hash per worker and a sorted
 * set as index, under a key of this class's own), and moves the API's clock to age them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class WorkersApiIT {

    static final String KEY = "it-" + UUID.randomUUID().toString().substring(0, 8) + ":workers";
    static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    static final MutableClock CLOCK = new MutableClock(NOW);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(WorkersApiIT.class, registry);
        registry.add("taskstream.ingest.workers.key", () -> KEY);
    }

    /** The API's clock, moved by the tests. */
    @TestBean
    Clock clock;

    static Clock clock() {
        return CLOCK;
    }

    @LocalServerPort
    int port;
    @Autowired
    StringRedisTemplate redis;

    TestApi api;
    final List<String> written = new ArrayList<>();

    @BeforeEach
    void setUp() {
        api = TestApi.onPort(port);
        CLOCK.set(NOW);
    }

    @AfterEach
    void tearDown() {
        redis.delete(written);
        redis.delete(KEY);
    }

    /** A worker's heartbeat as a worker writes it: every field, taken {@code age} before {@link #NOW}. */
    static Map<String, String> heartbeat(String workerId, Duration age) {
        Map<String, String> hash = new LinkedHashMap<>();
        hash.put("schema", "worker-heartbeat/v1");
        hash.put("workerId", workerId);
        hash.put("host", "host-" + workerId);
        hash.put("groupId", "taskstream-workers");
        hash.put("version", "0.1.0");
        hash.put("priorities", "CRITICAL,HIGH,NORMAL,LOW");
        hash.put("startedAt", NOW.minus(Duration.ofHours(1)).toString());
        hash.put("lastHeartbeatAt", NOW.minus(age).toString());
        hash.put("interval", "PT10S");
        hash.put("slotsBusy", "3");
        hash.put("slotsTotal", "100");
        hash.put("consumer", "running");
        hash.put("completed", "12");
        hash.put("failed", "1");
        hash.put("timedOut", "0");
        hash.put("cancelled", "2");
        hash.put("stuck", "0");
        hash.put("restarts", "0");
        return hash;
    }

    void write(Map<String, String> heartbeat) {
        String workerId = heartbeat.get("workerId");
        String hash = KEY + ":" + workerId;
        redis.opsForHash().putAll(hash, heartbeat);
        redis.opsForZSet().add(KEY, workerId, NOW.toEpochMilli());
        written.add(hash);
    }

    JsonNode workers() {
        HttpResponse<String> response = api.getAuthorized("/api/v1/workers");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    @Test
    void listsEveryWorkerWithAHeartbeatByIdWithTheStatusJudgedFromIt() {
        Map<String, String> failing = heartbeat("w-a", Duration.ofSeconds(2));
        failing.put("completed", "2");
        failing.put("failed", "7");
        failing.put("timedOut", "1");
        failing.put("cancelled", "0");
        write(heartbeat("w-b", Duration.ofSeconds(1)));
        write(failing);
        write(heartbeat("w-c", Duration.ofSeconds(40)));
        redis.opsForZSet().add(KEY, "w-expired", NOW.toEpochMilli()); // its hash expired
        Map<String, String> unreadable = heartbeat("w-unreadable", Duration.ZERO);
        unreadable.remove("lastHeartbeatAt");
        write(unreadable);
        Map<String, String> otherLayout = heartbeat("w-other-layout", Duration.ZERO);
        otherLayout.put("schema", "worker-heartbeat/v2");
        write(otherLayout);

        JsonNode page = workers();

        assertThat(page.get("nextCursor").isNull()).isTrue();
        assertThat(page.get("items").valueStream().map(w -> w.get("id").asString() + "=" + w.get("status").asString()))
                .containsExactly("w-a=DEGRADED", "w-b=HEALTHY", "w-c=UNHEALTHY");
        assertThat(page.get("items").get(0).get("reasons").get(0).asString())
                .isEqualTo("8 of the 10 attempts of the last interval failed or timed out");
        assertThat(page.get("items").get(2).get("reasons").get(0).asString())
                .isEqualTo("no heartbeat for 40 s (one is due every 10 s)");
    }

    @Test
    void showsOneWorkerWithEverythingItsHeartbeatSays() {
        write(heartbeat("w-1", Duration.ofSeconds(3)));

        HttpResponse<String> response = api.getAuthorized("/api/v1/workers/w-1");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(Json.mapper().readTree("""
                {"id": "w-1", "host": "host-w-1", "groupId": "taskstream-workers", "status": "HEALTHY",
                 "reasons": [], "version": "0.1.0", "priorities": ["CRITICAL", "HIGH", "NORMAL", "LOW"],
                 "slots": {"busy": 3, "total": 100}, "consumer": "running",
                 "startedAt": "2026-11-28T09:00:00Z", "lastHeartbeatAt": "2026-11-28T09:59:57Z",
                 "heartbeatInterval": "PT10S",
                 "lastInterval": {"completed": 12, "failed": 1, "timedOut": 0, "cancelled": 2},
                 "stuckSlots": 0, "restarts": 0}
                """));
        assertThat(workers().get("items").get(0)).isEqualTo(json(response));
    }

    @Test
    void aWorkerBecomesUnhealthyOnceItHasMissedThreeHeartbeats() {
        write(heartbeat("w-1", Duration.ZERO));

        CLOCK.advance(Duration.ofMillis(29_999));
        assertThat(workers().get("items").get(0).get("status").asString()).isEqualTo("HEALTHY");

        CLOCK.advance(Duration.ofMillis(1));
        JsonNode worker = json(api.getAuthorized("/api/v1/workers/w-1"));
        assertThat(worker.get("status").asString()).isEqualTo("UNHEALTHY");
        assertThat(worker.get("reasons").get(0).asString()).isEqualTo("no heartbeat for 30 s (one is due every 10 s)");

        write(heartbeat("w-1", Duration.ofSeconds(-30))); // it beats again
        assertThat(workers().get("items").get(0).get("status").asString()).isEqualTo("HEALTHY");
    }

    @Test
    void stuckSlotsOrAStoppedConsumerMakeAWorkerDegraded() {
        Map<String, String> stuck = heartbeat("w-stuck", Duration.ZERO);
        stuck.put("stuck", "2");
        Map<String, String> stopped = heartbeat("w-stopped", Duration.ZERO);
        stopped.put("consumer", "stopped");
        write(stuck);
        write(stopped);

        assertThat(workers().get("items").valueStream().map(w -> w.get("status").asString() + ": "
                + w.get("reasons").get(0).asString()))
                .containsExactly("DEGRADED: its consumer loop is not running: it takes no work",
                        "DEGRADED: 2 stuck slots: attempts abandoned at their timeout may still be running");
    }

    @Test
    void withoutWorkersTheListIsEmpty() {
        assertThat(workers().get("items").isEmpty()).isTrue();
    }

    @Test
    void aWorkerWithoutAHeartbeatIsNotFound() {
        assertProblem(api.getAuthorized("/api/v1/workers/w-never"), 404, "not_found");
        assertProblem(api.getAuthorized("/api/v1/workers/not%20an%20id"), 404, "not_found");
    }

    @Test
    void workersAreShownOnlyWithAnApiKey() {
        write(heartbeat("w-1", Duration.ZERO));

        assertProblem(api.get("/api/v1/workers"), 401, "unauthenticated");
        assertProblem(api.get("/api/v1/workers/w-1"), 401, "unauthenticated");
        assertProblem(api.get("/api/v1/workers", "Authorization", "Bearer ts_it_wrongwrongwrongwrongwrongwrong"),
                401, "unauthenticated");
    }
}
