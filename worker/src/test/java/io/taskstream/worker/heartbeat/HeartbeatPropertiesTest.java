package io.taskstream.worker.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class HeartbeatPropertiesTest {

    static HeartbeatProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("taskstream.worker.heartbeat", HeartbeatProperties.class);
    }

    @Test
    void defaultsBeatEveryTenSecondsAndKeepASilentWorkerListedForAnHour() {
        HeartbeatProperties defaults = bind(Map.of());

        assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.retention()).isEqualTo(Duration.ofHours(1));
        assertThat(defaults.key()).isEqualTo("taskstream:workers");
        assertThat(defaults.workerKey("w-1")).isEqualTo("taskstream:workers:w-1");
        assertThat(defaults.stuckWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.stallTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.checkInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void bindsKebabCaseProperties() {
        HeartbeatProperties p = bind(Map.of(
                "taskstream.worker.heartbeat.interval", "2s",
                "taskstream.worker.heartbeat.retention", "10m",
                "taskstream.worker.heartbeat.key", "billing:workers",
                "taskstream.worker.heartbeat.stuck-window", "1m",
                "taskstream.worker.heartbeat.stall-timeout", "45s",
                "taskstream.worker.heartbeat.check-interval", "250ms"));

        assertThat(p).isEqualTo(new HeartbeatProperties(Duration.ofSeconds(2), Duration.ofMinutes(10),
                "billing:workers", Duration.ofMinutes(1), Duration.ofSeconds(45), Duration.ofMillis(250)));
        assertThat(p.workerKey("w-1")).isEqualTo("billing:workers:w-1");
    }

    @Test
    void aWrongValueStopsTheStartUpNamingTheProperty() {
        assertThatThrownBy(() -> new HeartbeatProperties(Duration.ofMillis(500), null, null, null, null, null))
                .hasMessage("taskstream.worker.heartbeat.interval must be between 1s and 5m (was PT0.5S)");
        assertThatThrownBy(() -> new HeartbeatProperties(Duration.ofSeconds(10), Duration.ofSeconds(39), null, null,
                null, null))
                .hasMessageStartingWith("taskstream.worker.heartbeat.retention must be at least four intervals (PT40S)");
        assertThatThrownBy(() -> new HeartbeatProperties(null, null, " ", null, null, null))
                .hasMessage("taskstream.worker.heartbeat.key must not be blank or contain spaces (was  )");
        assertThatThrownBy(() -> new HeartbeatProperties(null, null, null, Duration.ofSeconds(9), null, null))
                .hasMessage("taskstream.worker.heartbeat.stuck-window must be at least one interval (was PT9S)");
        assertThatThrownBy(() -> new HeartbeatProperties(null, null, null, null, Duration.ZERO, null))
                .hasMessage("taskstream.worker.heartbeat.stall-timeout must be positive (was PT0S)");
        assertThatThrownBy(() -> new HeartbeatProperties(null, null, null, null, null, Duration.ofMinutes(2)))
                .hasMessage("taskstream.worker.heartbeat.check-interval must be between 10ms and 1m (was PT2M)");
    }

    @Test
    void theSupervisorWaitsLongerThanAPollOrARebalanceCanLegitimatelyTake() {
        HeartbeatProperties defaults = bind(Map.of());

        // defaults: poll 1 s, shutdown 20 s → 30 s stays
        assertThat(defaults.effectiveStallTimeout(Duration.ofSeconds(1), Duration.ofSeconds(20)))
                .isEqualTo(Duration.ofSeconds(30));
        // a rebalance waits shutdown-timeout for running attempts on the poll thread
        assertThat(defaults.effectiveStallTimeout(Duration.ofSeconds(1), Duration.ofMinutes(1)))
                .isEqualTo(Duration.ofSeconds(70));
        // one poll may wait a whole poll-timeout for records
        assertThat(defaults.effectiveStallTimeout(Duration.ofSeconds(50), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofSeconds(150));
    }
}
