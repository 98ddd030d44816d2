package io.taskstream.worker.heartbeat;

import java.util.Objects;
import java.util.function.Supplier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.taskstream.worker.consumer.DispatchConsumer.Pool;

/**
 * Whether the worker's execution pool takes attempts (health component {@code executionPool}, in
 * the readiness group): {@code DOWN} while it is shut down or does not exist (the poll loop is
 * stopped, or between the two halves of a restart); {@code UP} otherwise — also when every slot is
 * busy: a saturated pool is working, and the dispatches waiting for it stay in Kafka or in the
 * worker's queue, where they belong. Details: slots busy, waiting dispatches, slots in all, saturated.
 */
public final class ExecutionPoolHealthIndicator implements HealthIndicator {

    private final Supplier<Pool> pool;

    /** @param pool the pool now; {@code null} when the application has no dispatch consumer */
    public ExecutionPoolHealthIndicator(Supplier<Pool> pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    @Override
    public Health health() {
        Pool now = pool.get();
        if (now == null) {
            return Health.down().withDetail("pool", "none").build();
        }
        return (now.accepting() ? Health.up() : Health.down())
                .withDetail("pool", now.accepting() ? "accepting" : "shut down")
                .withDetail("busy", now.busy())
                .withDetail("waiting", now.waiting())
                .withDetail("slots", now.slots())
                .withDetail("saturated", now.saturated())
                .build();
    }
}
