package io.taskstream.worker.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

class WorkerIdentityTest {

    @Test
    void theHostIsTheHostnameVariableWhenSetElseTheNetworksName() {
        assertThat(WorkerIdentity.host(" pod-7 ")).isEqualTo("pod-7");
        assertThat(WorkerIdentity.host(null)).isNotBlank();
        assertThat(WorkerIdentity.host("")).isEqualTo(WorkerIdentity.host(null));
    }

    @Test
    void theVersionComesFromTheJarsManifestAndIsDevWithoutOne() {
        // Micrometer's jar has an Implementation-Version; the worker's test run uses classes, not a jar
        assertThat(WorkerIdentity.versionOf(MeterRegistry.class)).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(WorkerIdentity.versionOf(WorkerIdentity.class)).isEqualTo("dev");
    }

    @Test
    void aWorkerConsumesEveryPriority() {
        WorkerHeartbeat.Identity identity = WorkerIdentity.of("w-1", "g");

        assertThat(identity.priorities()).containsExactly(Priority.values());
        assertThat(identity.workerId()).isEqualTo("w-1");
        assertThat(identity.groupId()).isEqualTo("g");
    }
}
