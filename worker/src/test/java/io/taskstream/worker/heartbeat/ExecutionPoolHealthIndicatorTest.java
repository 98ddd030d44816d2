package io.taskstream.worker.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.taskstream.worker.consumer.DispatchConsumer.Pool;

class ExecutionPoolHealthIndicatorTest {

    final AtomicReference<Pool> pool = new AtomicReference<>();
    final ExecutionPoolHealthIndicator indicator = new ExecutionPoolHealthIndicator(pool::get);

    @Test
    void upWhileThePoolTakesAttempts() {
        pool.set(new Pool(true, 3, 0, 8));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("pool", "accepting").containsEntry("busy", 3)
                .containsEntry("waiting", 0).containsEntry("slots", 8).containsEntry("saturated", false);
    }

    @Test
    void aSaturatedPoolIsWorkingSoStaysUp() {
        pool.set(new Pool(true, 8, 120, 8));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("saturated", true).containsEntry("waiting", 120);
    }

    @Test
    void downWhenThePoolIsShutDown() {
        pool.set(new Pool(false, 0, 0, 8));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("pool", "shut down");
    }

    @Test
    void downWithoutADispatchConsumer() {
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    }
}
