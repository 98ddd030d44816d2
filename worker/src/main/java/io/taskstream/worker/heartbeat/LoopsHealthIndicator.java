package io.taskstream.worker.heartbeat;

import java.util.List;
import java.util.Objects;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.taskstream.worker.heartbeat.LoopSupervisor.LoopStatus;

/**
 * Whether the worker's process is wedged (health component {@code loops}, in the liveness group):
 * {@code DOWN} while a supervised loop is wedged — it needed a restart again after
 * {@value LoopSupervisor#WEDGED_AFTER_RESTARTS} restarts by the {@link LoopSupervisor} brought it no
 * progress — so that the orchestrator restarts the process. {@code UP} otherwise, also while a loop is
 * dead or stalled and the supervisor has not run out of patience: restarting the process for what
 * the supervisor fixes in a second would only throw away the attempts running in the other slots.
 */
public final class LoopsHealthIndicator implements HealthIndicator {

    private final LoopSupervisor supervisor;

    public LoopsHealthIndicator(LoopSupervisor supervisor) {
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
    }

    @Override
    public Health health() {
        List<String> wedged = supervisor.status().stream().filter(LoopStatus::wedged).map(LoopStatus::name).toList();
        return (wedged.isEmpty() ? Health.up() : Health.down())
                .withDetail("wedged", wedged)
                .withDetail("restarts", supervisor.restarts())
                .build();
    }
}
