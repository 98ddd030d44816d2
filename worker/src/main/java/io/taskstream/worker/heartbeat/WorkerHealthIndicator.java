package io.taskstream.worker.heartbeat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.worker.heartbeat.LoopSupervisor.LoopStatus;

/**
 * The worker in {@code /actuator/health} (component {@code worker}, in the readiness group): {@code UP}
 * while the poll loop runs and no supervised loop hangs (made no progress for the supervisor's
 * {@code stallTimeout}), else {@code DOWN}. Details: the consumer's state, slots busy and
 * total, each supervised loop (alive, last progress, restarts) and the heartbeat (when it was last
 * written, whether writes fail). Redis being down does not make it {@code DOWN}: the worker keeps
 * working without heartbeats (Boot's own {@code redis} component reports Redis).
 */
public final class WorkerHealthIndicator implements HealthIndicator {

    private final BooleanSupplier consumerRunning;
    private final WorkerMeters meters;
    private final LoopSupervisor supervisor;
    private final HeartbeatPublisher heartbeats;

    public WorkerHealthIndicator(BooleanSupplier consumerRunning, MeterRegistry meters, LoopSupervisor supervisor,
                                 HeartbeatPublisher heartbeats) {
        this.consumerRunning = Objects.requireNonNull(consumerRunning, "consumerRunning");
        this.meters = new WorkerMeters(meters);
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
        this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
    }

    @Override
    public Health health() {
        boolean running = consumerRunning.getAsBoolean();
        Map<String, Object> loops = new LinkedHashMap<>();
        boolean stalled = false;
        for (LoopStatus loop : supervisor.status()) {
            stalled |= loop.stalled();
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("alive", loop.alive());
            detail.put("stalled", loop.stalled());
            detail.put("lastProgressAt", String.valueOf(loop.lastProgressAt()));
            detail.put("restarts", loop.restarts());
            loops.put(loop.name(), detail);
        }
        Health.Builder health = running && !stalled ? Health.up() : Health.down();
        health.withDetail("workerId", heartbeats.identity().workerId())
                .withDetail("consumer", running ? "running" : "stopped")
                .withDetail("slots", Map.of("busy", meters.busy(), "total", meters.slots()));
        if (!loops.isEmpty()) {
            health.withDetail("loops", loops);
        }
        Map<String, Object> heartbeat = new LinkedHashMap<>();
        heartbeat.put("enabled", heartbeats.isEnabled());
        heartbeat.put("lastWrittenAt", String.valueOf(heartbeats.lastWrittenAt()));
        heartbeat.put("failing", heartbeats.isFailing());
        return health.withDetail("heartbeat", heartbeat).build();
    }
}
