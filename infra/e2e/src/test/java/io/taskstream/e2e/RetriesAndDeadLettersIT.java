package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Retries and the dead-letter queue across real processes: a handler that fails twice then
 * succeeds ends {@code COMPLETED} with three executions; one that always fails ends {@code FAILED}
 * with {@code maxAttempts} executions, is listed in {@code /dlq}, and runs again after a replay.
 */
class RetriesAndDeadLettersIT {

    private static final Duration WITHIN = Duration.ofSeconds(90);
    /** Short, fixed backoff so the test does not wait for the production default. */
    private static final String FAST_BACKOFF =
            "\"backoff\": {\"initial\": \"PT0.2S\", \"multiplier\": 1.0, \"max\": \"PT0.2S\", \"jitter\": 0.0}";

    private static TaskstreamSystem system;

    @BeforeAll
    static void start() {
        system = TaskstreamSystem.start();
        ServiceProcess api = system.startApi();
        ServiceProcess scheduler = system.startScheduler("scheduler-1");
        ServiceProcess worker = system.startWorker("worker-1");
        api.awaitReady(TaskstreamSystem.START);
        scheduler.awaitReady(TaskstreamSystem.START);
        worker.awaitReady(TaskstreamSystem.START);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aTaskThatFailsTwiceThenSucceedsEndsCompletedWithThreeExecutions() throws Exception {
        String id = system.submit("{\"type\": \"fail\", \"payload\": {\"failTimes\": 2}, " + FAST_BACKOFF + "}");
        JsonNode done = awaitStatus(id, "COMPLETED");
        assertThat(done.get("attempts").asInt()).isEqualTo(3);
        JsonNode executions = system.get("/api/v1/tasks/" + id + "/executions").get("items");
        assertThat(executions).hasSize(3);
        assertThat(executions.get(0).get("outcome").asString()).isEqualTo("FAILED");
        assertThat(executions.get(1).get("outcome").asString()).isEqualTo("FAILED");
        assertThat(executions.get(2).get("outcome").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void aTaskThatAlwaysFailsIsDeadLetteredAndRunsAgainAfterAReplay() throws Exception {
        String id = system.submit("{\"type\": \"fail\", \"payload\": {\"failTimes\": -1}, \"maxAttempts\": 3, "
                + FAST_BACKOFF + "}");
        JsonNode failed = awaitStatus(id, "FAILED");
        assertThat(failed.get("attempts").asInt()).isEqualTo(3);
        assertThat(system.get("/api/v1/tasks/" + id + "/executions").get("items")).hasSize(3);

        JsonNode listed = await().atMost(WITHIN).until(() -> system.get("/api/v1/dlq?type=fail"),
                page -> contains(page.get("items"), id));
        assertThat(listed.get("items")).isNotEmpty();
        JsonNode letter = system.get("/api/v1/dlq/" + id);
        assertThat(letter.get("reason").asString()).isEqualTo("attempts_exhausted");
        assertThat(letter.get("executions")).hasSize(3);

        HttpResponse<String> replay = system.post("/api/v1/dlq/" + id + ":replay", "");
        assertThat(replay.statusCode()).isEqualTo(202);
        // it runs again: three more attempts, then dead-lettered again
        await().atMost(WITHIN).until(() -> system.get("/api/v1/tasks/" + id + "/executions").get("items").size(),
                n -> n == 6);
        awaitStatus(id, "FAILED");
    }

    private static boolean contains(JsonNode items, String id) {
        for (JsonNode item : items) {
            if (id.equals(item.get("id").asString())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode awaitStatus(String id, String status) {
        return await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> system.get("/api/v1/tasks/" + id), task -> status.equals(task.get("status").asString()));
    }
}
