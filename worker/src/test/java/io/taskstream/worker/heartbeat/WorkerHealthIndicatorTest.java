package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

class WorkerHealthIndicatorTest {

    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final AtomicBoolean consumerRunning = new AtomicBoolean(true);
    final ManualLoop loop = new ManualLoop();
    final LoopSupervisor supervisor = new LoopSupervisor(List.of(loop), Duration.ofSeconds(30),
            Duration.ofSeconds(1), clock, meters);
    final InMemoryHeartbeatStore store = new InMemoryHeartbeatStore();
    final HeartbeatPublisher heartbeats = new HeartbeatPublisher(store,
            new WorkerHeartbeat.Identity("w-1", "host-a", "g", "dev", List.of(Priority.values())),
            new HeartbeatProperties(null, null, null, null, null, null), meters, consumerRunning::get,
            supervisor::restarts, clock);
    final WorkerHealthIndicator indicator = new WorkerHealthIndicator(consumerRunning::get, meters, supervisor,
            heartbeats);

    @Test
    void upWhileTheConsumerRunsWithSlotsAndTheLatestHeartbeat() {
        meters.gauge(WorkerMeters.SLOTS, 10);
        meters.gauge(WorkerMeters.SLOTS_BUSY, 4);
        loop.start();
        supervisor.check();
        heartbeats.beat();

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails())
                .containsEntry("workerId", "w-1")
                .containsEntry("consumer", "running")
                .containsEntry("slots", Map.of("busy", 4, "total", 10))
                .containsEntry("heartbeat", Map.of("enabled", true, "lastWrittenAt", "2026-11-28T10:00:00Z",
                        "failing", false))
                .containsEntry("loops", Map.of("manual-loop", Map.of("alive", true, "stalled", false,
                        "lastProgressAt", "2026-11-28T10:00:00Z", "restarts", 0L)));
    }

    @Test
    void downWhenTheConsumerIsNotRunning() {
        consumerRunning.set(false);

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("consumer", "stopped");
    }

    @Test
    void downWhileASupervisedLoopHangs() {
        loop.start();
        supervisor.check();
        clock.advance(Duration.ofSeconds(30));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).extractingByKey("loops").asString().contains("stalled=true");
    }

    @Test
    void redisBeingDownDoesNotMakeTheWorkerDown() {
        store.failWith(new IllegalStateException("Redis down"));
        heartbeats.beat();

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).extractingByKey("heartbeat").asString().contains("failing=true");
    }
}
