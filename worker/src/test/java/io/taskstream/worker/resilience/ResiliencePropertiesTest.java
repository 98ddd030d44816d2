package io.taskstream.worker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.taskstream.worker.resilience.ResilienceProperties.BulkheadOptions;
import io.taskstream.worker.resilience.ResilienceProperties.CircuitBreakerOptions;
import io.taskstream.worker.resilience.ResilienceProperties.RateLimiterOptions;
import io.taskstream.worker.resilience.ResilienceProperties.TypeOptions;

class ResiliencePropertiesTest {

    static ResilienceProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("taskstream.worker.resilience", ResilienceProperties.class);
    }

    /** The message of what stops the start-up, as Boot reports it (the binder wraps it). */
    static String failureOf(Map<String, String> properties) {
        try {
            bind(properties);
        } catch (BindException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            return cause.getMessage();
        }
        throw new AssertionError("expected the binding to fail: " + properties);
    }

    @Test
    void nothingConfiguredGuardsNoType() {
        ResilienceProperties none = bind(Map.of());

        assertThat(none.types()).isEmpty();
        assertThat(none.policyFor("http.request").isEmpty()).isTrue();
        assertThat(ResilienceProperties.none().policyFor("log").isEmpty()).isTrue();
    }

    @Test
    void settingOneOptionTurnsItsPartOnWithTheBuiltInDefaultsForTheRest() {
        TypeOptions policy = bind(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.failure-rate-threshold", "60"))
                .policyFor("email.send");

        assertThat(policy.circuitBreaker()).isEqualTo(new CircuitBreakerOptions(true, 60, 20, 10,
                Duration.ofSeconds(30), 3, null, 100));
        assertThat(policy.bulkhead()).isNull();
        assertThat(policy.rateLimiter()).isNull();
    }

    @Test
    void enabledAloneTurnsAPartOnWithItsBuiltInDefaults() {
        TypeOptions policy = bind(Map.of(
                "taskstream.worker.resilience.default.bulkhead.enabled", "true",
                "taskstream.worker.resilience.default.rate-limiter.enabled", "true")).policyFor("log");

        assertThat(policy.bulkhead()).isEqualTo(new BulkheadOptions(true, 10, Duration.ZERO, Duration.ofSeconds(1)));
        assertThat(policy.rateLimiter()).isEqualTo(new RateLimiterOptions(true, 10, Duration.ofSeconds(1)));
        assertThat(policy.circuitBreaker()).isNull();
    }

    @Test
    void aTypeOverridesDefaultOptionByOptionAndKeysWithDotsGoInBrackets() {
        ResilienceProperties p = bind(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.failure-rate-threshold", "60",
                "taskstream.worker.resilience.default.circuit-breaker.wait-in-open-state", "1m",
                "taskstream.worker.resilience.default.bulkhead.max-concurrent-calls", "8",
                "taskstream.worker.resilience.types[http.request].circuit-breaker.wait-in-open-state", "10s",
                "taskstream.worker.resilience.types[http.request].circuit-breaker.slow-call-duration", "2s",
                "taskstream.worker.resilience.types[http.request].bulkhead.enabled", "false",
                "taskstream.worker.resilience.types[http.request].rate-limiter.limit-for-period", "5",
                "taskstream.worker.resilience.types[http.request].rate-limiter.period", "250ms"));

        TypeOptions http = p.policyFor("http.request");
        assertThat(http.circuitBreaker()).isEqualTo(new CircuitBreakerOptions(true, 60, 20, 10,
                Duration.ofSeconds(10), 3, Duration.ofSeconds(2), 100));
        assertThat(http.bulkhead()).as("turned off for this type").isNull();
        assertThat(http.rateLimiter()).isEqualTo(new RateLimiterOptions(true, 5, Duration.ofMillis(250)));

        TypeOptions other = p.policyFor("email.send");
        assertThat(other.circuitBreaker().waitInOpenState()).isEqualTo(Duration.ofMinutes(1));
        assertThat(other.bulkhead().maxConcurrentCalls()).isEqualTo(8);
        assertThat(other.rateLimiter()).isNull();
    }

    @Test
    void aTypeThatSetsOptionsIsGuardedEvenWhenDefaultTurnsThePartOff() {
        ResilienceProperties p = bind(Map.of(
                "taskstream.worker.resilience.default.bulkhead.enabled", "false",
                "taskstream.worker.resilience.default.bulkhead.retry-after", "3s",
                "taskstream.worker.resilience.types[report.generate].bulkhead.max-concurrent-calls", "2"));

        assertThat(p.policyFor("report.generate").bulkhead())
                .isEqualTo(new BulkheadOptions(true, 2, Duration.ZERO, Duration.ofSeconds(3)));
        assertThat(p.policyFor("log").bulkhead()).isNull();
    }

    @Test
    void withoutBracketsADottedTypeIsSilentlyLost() {
        ResilienceProperties p = bind(Map.of(
                "taskstream.worker.resilience.types.http.request.bulkhead.max-concurrent-calls", "4"));

        assertThat(p.types()).isEmpty();
        assertThat(p.policyFor("http.request").isEmpty()).isTrue();
    }

    @Test
    void defaultCanBeSetThroughEnvironmentVariables() {
        var environment = new org.springframework.core.env.SystemEnvironmentPropertySource(
                org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                "TASKSTREAM_WORKER_RESILIENCE_DEFAULT_BULKHEAD_MAXCONCURRENTCALLS", "4"));
        ResilienceProperties p = new Binder(org.springframework.boot.context.properties.source
                .ConfigurationPropertySources.from(environment))
                .bindOrCreate("taskstream.worker.resilience", ResilienceProperties.class);

        assertThat(p.policyFor("log").bulkhead().maxConcurrentCalls()).isEqualTo(4);
    }

    @Test
    void aWrongValueStopsTheStartUpNamingTheProperty() {
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.failure-rate-threshold", "150")))
                .isEqualTo("taskstream.worker.resilience.default.circuit-breaker.failure-rate-threshold must be a"
                        + " percentage between 1 and 100 (was 150)");
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.types[http.request].circuit-breaker.wait-in-open-state", "0s")))
                .isEqualTo("taskstream.worker.resilience.types[http.request].circuit-breaker.wait-in-open-state"
                        + " must be between 1ms and 1d (was PT0S)");
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.types[log].circuit-breaker.sliding-window-size", "0")))
                .isEqualTo("taskstream.worker.resilience.types[log].circuit-breaker.sliding-window-size must be"
                        + " between 1 and 10000 (was 0)");
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.slow-call-rate-threshold", "0")))
                .isEqualTo("taskstream.worker.resilience.default.circuit-breaker.slow-call-rate-threshold must be a"
                        + " percentage between 1 and 100 (was 0)");
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.default.bulkhead.max-concurrent-calls", "0")))
                .isEqualTo("taskstream.worker.resilience.default.bulkhead.max-concurrent-calls must be between 1"
                        + " and 10000 (was 0)");
        assertThat(failureOf(Map.of("taskstream.worker.resilience.default.bulkhead.max-wait", "2m")))
                .isEqualTo("taskstream.worker.resilience.default.bulkhead.max-wait must be between 0 and 1m"
                        + " (was PT2M)");
        assertThat(failureOf(Map.of("taskstream.worker.resilience.types[log].rate-limiter.period", "0s")))
                .isEqualTo("taskstream.worker.resilience.types[log].rate-limiter.period must be between 1ms and 1d"
                        + " (was PT0S)");
        assertThat(failureOf(Map.of("taskstream.worker.resilience.default.rate-limiter.limit-for-period", "-1")))
                .isEqualTo("taskstream.worker.resilience.default.rate-limiter.limit-for-period must be between 1"
                        + " and 1000000 (was -1)");
    }

    @Test
    void minimumCallsAboveTheWindowStopsTheStartUpNamingWhereItCameTogether() {
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.minimum-calls", "30")))
                .isEqualTo("taskstream.worker.resilience.default.circuit-breaker.minimum-calls must be at most the"
                        + " sliding-window-size, 20 (was 30)");
        // the type's window is smaller than default's minimum
        assertThat(failureOf(Map.of(
                "taskstream.worker.resilience.default.circuit-breaker.minimum-calls", "10",
                "taskstream.worker.resilience.types[fail].circuit-breaker.sliding-window-size", "4")))
                .isEqualTo("taskstream.worker.resilience.types[fail].circuit-breaker.minimum-calls must be at most"
                        + " the sliding-window-size, 4 (was 10)");
    }

    @Test
    void aKeyThatIsNoTaskTypeStopsTheStartUp() {
        assertThat(failureOf(Map.of("taskstream.worker.resilience.types[Email.Send].bulkhead.enabled", "true")))
                .startsWith("taskstream.worker.resilience.types[Email.Send] names no valid task type");
    }

    @Test
    void builtFromCodeTheSameRulesHold() {
        var wrong = new TypeOptions(null, new BulkheadOptions(null, null, null, Duration.ofHours(2)), null);

        assertThatThrownBy(() -> new ResilienceProperties(wrong, null))
                .hasMessage("taskstream.worker.resilience.default.bulkhead.retry-after must be between 0 and 1h"
                        + " (was PT2H)");
        assertThat(new ResilienceProperties(null, java.util.Collections.singletonMap("log", null))
                .policyFor("log").isEmpty()).isTrue();
    }
}
