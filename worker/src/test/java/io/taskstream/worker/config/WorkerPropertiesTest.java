package io.taskstream.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

class WorkerPropertiesTest {

    static WorkerProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("taskstream.worker", WorkerProperties.class);
    }

    @Test
    void defaultsAreProductionSafe() {
        WorkerProperties defaults = bind(Map.of());

        assertThat(defaults.workerId()).matches("[A-Za-z0-9._-]+-[0-9a-f]{6}");
        assertThat(defaults.groupId()).isEqualTo("taskstream-workers");
        assertThat(defaults.sampleHandlers()).isFalse();
        assertThat(defaults.pollTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.prefetch()).isEqualTo(50);
        assertThat(defaults.maxResultSize()).isEqualTo(DataSize.ofKilobytes(64));
        assertThat(defaults.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void twoWorkersOnOneHostGetDifferentIds() {
        assertThat(bind(Map.of()).workerId()).isNotEqualTo(bind(Map.of()).workerId());
    }

    @Test
    void bindsKebabCaseProperties() {
        WorkerProperties p = bind(Map.of(
                "taskstream.worker.worker-id", "w-7",
                "taskstream.worker.group-id", "billing-workers",
                "taskstream.worker.sample-handlers", "true",
                "taskstream.worker.poll-timeout", "250ms",
                "taskstream.worker.prefetch", "5",
                "taskstream.worker.max-result-size", "128KB",
                "taskstream.worker.shutdown-timeout", "0s"));

        assertThat(p).isEqualTo(new WorkerProperties("w-7", "billing-workers", true, Duration.ofMillis(250), 5,
                DataSize.ofKilobytes(128), Duration.ZERO));
    }

    @Test
    void aWrongValueFailsWithAMessageNamingTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.prefetch", "0")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessage("taskstream.worker.prefetch must be between 1 and 10000 (was 0)");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.worker-id", "has space")))
                .rootCause().hasMessageStartingWith("taskstream.worker.worker-id must be");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.group-id", " ")))
                .rootCause().hasMessageStartingWith("taskstream.worker.group-id must not be blank");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.poll-timeout", "0s")))
                .rootCause().hasMessageStartingWith("taskstream.worker.poll-timeout");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.max-result-size", "2MB")))
                .rootCause().hasMessageStartingWith("taskstream.worker.max-result-size");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.shutdown-timeout", "-1s")))
                .rootCause().hasMessageStartingWith("taskstream.worker.shutdown-timeout");
    }

    @Test
    void theDefaultWorkerIdIsAValidId() {
        assertThat(WorkerProperties.defaultWorkerId()).matches("[A-Za-z0-9._-]{1,100}");
    }
}
