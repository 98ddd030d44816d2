package io.taskstream.scheduler.config;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code UP} while the Kafka Streams client runs or rebalances; {@code DOWN} once it stopped or
 * failed (a fatal error, see {@link SchedulerStreams}); {@code UNKNOWN} before it started.
 * Part of the liveness and readiness groups: a scheduler whose stream is dead should be restarted.
 */
public final class SchedulerStreamsHealthIndicator implements HealthIndicator {

    private final SchedulerStreams streams;

    public SchedulerStreamsHealthIndicator(SchedulerStreams streams) {
        this.streams = streams;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        if (state == null) {
            return Health.unknown().withDetail("state", "NOT_STARTED").build();
        }
        Health.Builder builder = switch (state) {
            case RUNNING, REBALANCING -> Health.up();
            case CREATED -> Health.unknown();
            case PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR -> Health.down();
        };
        return builder.withDetail("state", state.name()).build();
    }
}
