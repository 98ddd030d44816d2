package io.taskstream.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

import io.taskstream.schemas.Priority;

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
        assertThat(defaults.slots()).isEqualTo(100);
        assertThat(defaults.prefetch()).isEqualTo(250);
        assertThat(defaults.minimumShare())
                .isEqualTo(Map.of(Priority.HIGH, 0.15, Priority.NORMAL, 0.10, Priority.LOW, 0.05));
        assertThat(defaults.maxResultSize()).isEqualTo(DataSize.ofKilobytes(64));
        assertThat(defaults.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.timeoutGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.leases()).isTrue();
        assertThat(defaults.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.leaseRetry()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.cancelKeyPrefix()).isEqualTo("taskstream:cancel:");
        assertThat(defaults.cancelCheckInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.nonRetryableExceptions()).isEmpty();
        assertThat(defaults.nonRetryableExceptionTypes()).isEmpty();
    }

    @Test
    void twoWorkersOnOneHostGetDifferentIds() {
        assertThat(bind(Map.of()).workerId()).isNotEqualTo(bind(Map.of()).workerId());
    }

    @Test
    void bindsKebabCaseProperties() {
        WorkerProperties p = bind(Map.ofEntries(
                Map.entry("taskstream.worker.slots", "7"),
                Map.entry("taskstream.worker.minimum-share.low", "0.2"),
                Map.entry("taskstream.worker.worker-id", "w-7"),
                Map.entry("taskstream.worker.group-id", "billing-workers"),
                Map.entry("taskstream.worker.sample-handlers", "true"),
                Map.entry("taskstream.worker.poll-timeout", "250ms"),
                Map.entry("taskstream.worker.prefetch", "5"),
                Map.entry("taskstream.worker.max-result-size", "128KB"),
                Map.entry("taskstream.worker.shutdown-timeout", "0s"),
                Map.entry("taskstream.worker.timeout-grace", "2s"),
                Map.entry("taskstream.worker.leases", "false"),
                Map.entry("taskstream.worker.lease-ttl", "20s"),
                Map.entry("taskstream.worker.lease-retry", "200ms"),
                Map.entry("taskstream.worker.cancel-key-prefix", "billing:cancel:"),
                Map.entry("taskstream.worker.cancel-check-interval", "0s"),
                Map.entry("taskstream.worker.non-retryable-exceptions", "java.io.FileNotFoundException, java.lang.Error")));

        assertThat(p).isEqualTo(new WorkerProperties("w-7", "billing-workers", true, Duration.ofMillis(250), 7, 5,
                Map.of(Priority.LOW, 0.2), DataSize.ofKilobytes(128), Duration.ZERO, Duration.ofSeconds(2), false, Duration.ofSeconds(20),
                Duration.ofMillis(200), "billing:cancel:", Duration.ZERO,
                List.of("java.io.FileNotFoundException", "java.lang.Error")));
        assertThat(p.nonRetryableExceptionTypes()).containsExactly(FileNotFoundException.class, Error.class);
    }

    @Test
    void nonRetryableExceptionsBindFromAnEnvironmentVariable() {
        String name = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        Map<String, Object> variables = Map.of(
                "TASKSTREAM_WORKER_NONRETRYABLEEXCEPTIONS", "java.io.UncheckedIOException,java.lang.IllegalStateException",
                "TASKSTREAM_WORKER_CANCELKEYPREFIX", "ts:c:");
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(name, new SystemEnvironmentPropertySource(name, variables));

        WorkerProperties p = Binder.get(environment).bindOrCreate("taskstream.worker", WorkerProperties.class);

        assertThat(p.nonRetryableExceptionTypes())
                .containsExactly(java.io.UncheckedIOException.class, IllegalStateException.class);
        assertThat(p.cancelKeyPrefix()).isEqualTo("ts:c:");
    }

    @Test
    void anUnknownOrNonExceptionClassNameStopsTheStartUpNamingEachOne() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.non-retryable-exceptions",
                "java.lang.IllegalStateException,com.acme.NoSuchException,java.lang.String")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessage("taskstream.worker.non-retryable-exceptions must name exception classes:"
                        + " com.acme.NoSuchException is not on the class path; java.lang.String is not a"
                        + " java.lang.Throwable (was [java.lang.IllegalStateException, com.acme.NoSuchException,"
                        + " java.lang.String])");
    }

    @Test
    void blankEntriesInTheExceptionListAreIgnored() {
        assertThat(new WorkerProperties(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                List.of(" java.lang.IllegalStateException ", "", "  ")).nonRetryableExceptions())
                .containsExactly("java.lang.IllegalStateException");
    }

    @Test
    void aWrongValueFailsWithAMessageNamingTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.prefetch", "0")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessage("taskstream.worker.prefetch must be between 1 and 10000 (was 0)");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.slots", "0")))
                .rootCause().hasMessage("taskstream.worker.slots must be between 1 and 10000 (was 0)");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.minimum-share.low", "0.6",
                "taskstream.worker.minimum-share.normal", "0.5")))
                .rootCause().hasMessageStartingWith("taskstream.worker.minimum-share must be fractions");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.minimum-share.low", "-0.1")))
                .rootCause().hasMessageStartingWith("taskstream.worker.minimum-share must be fractions");
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
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.timeout-grace", "2m")))
                .rootCause().hasMessageStartingWith("taskstream.worker.timeout-grace must be between");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.lease-ttl", "500ms")))
                .rootCause().hasMessageStartingWith("taskstream.worker.lease-ttl must be between");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.lease-retry", "5ms")))
                .rootCause().hasMessageStartingWith("taskstream.worker.lease-retry must be between");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.cancel-key-prefix", " ")))
                .rootCause().hasMessageStartingWith("taskstream.worker.cancel-key-prefix must not be blank");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.cancel-check-interval", "-1ms")))
                .rootCause().hasMessageStartingWith("taskstream.worker.cancel-check-interval must be between");
        assertThatThrownBy(() -> bind(Map.of("taskstream.worker.cancel-check-interval", "61s")))
                .rootCause().hasMessageStartingWith("taskstream.worker.cancel-check-interval must be between");
    }

    @Test
    void theDefaultWorkerIdIsAValidId() {
        assertThat(WorkerProperties.defaultWorkerId()).matches("[A-Za-z0-9._-]{1,100}");
    }
}
