package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * The services as separate processes: tasks complete across process boundaries, and tasks
 * accepted while the scheduler is dead ({@code kill -9}) complete once a new scheduler starts —
 * accepted means durable.
 */
class SchedulerCrashIT {

    private static final Duration WITHIN = Duration.ofSeconds(90);

    private static TaskstreamSystem system;
    private static ServiceProcess scheduler;

    @BeforeAll
    static void start() {
        system = TaskstreamSystem.start();
        ServiceProcess api = system.startApi();
        scheduler = system.startScheduler("scheduler-1");
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
    void tasksAcceptedWhileTheSchedulerIsDeadCompleteAfterANewOneStarts() throws Exception {
        String before = system.submit("{\"type\": \"log\", \"payload\": {\"n\": 0}}");
        awaitCompleted(before);

        scheduler.kill();
        assertThat(scheduler.isAlive()).isFalse();
        List<String> accepted = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            accepted.add(system.submit("{\"type\": \"log\", \"payload\": {\"n\": " + i + "}}"));
        }
        // nothing moves them while no scheduler runs
        for (String id : accepted) {
            assertThat(system.get("/api/v1/tasks/" + id).get("status").asString()).isEqualTo("PENDING");
        }

        scheduler = system.startScheduler("scheduler-2").awaitReady(TaskstreamSystem.START);
        for (String id : accepted) {
            JsonNode done = awaitCompleted(id);
            assertThat(done.get("attempts").asInt()).as(id).isEqualTo(1);
        }
    }

    private static JsonNode awaitCompleted(String id) {
        return await().atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> system.get("/api/v1/tasks/" + id), task -> "COMPLETED".equals(task.get("status").asString()));
    }
}
