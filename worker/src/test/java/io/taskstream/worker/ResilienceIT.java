package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;

/**
 * A task type's circuit breaker in a running worker, on a real broker: configured by properties
 * only, it opens on the type's failures, defers that type's later dispatches, and leaves the other
 * types alone; its state is on {@code /actuator/prometheus}.
 */
class ResilienceIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(ResilienceIT.class));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aFailingTypeTripsItsBreakerAndItsNextDispatchesAreDeferredWhileAnotherTypeKeepsRunning() throws Exception {
        ConfigurableApplicationContext worker = harness.startWorker("it-resilience-1", WebApplicationType.SERVLET,
                Map.of("TASKSTREAM_HTTP_PORT", "0",
                        // every type has a breaker; fail's opens after 2 failures and stays open for an hour
                        "taskstream.worker.resilience.default.circuit-breaker.enabled", "true",
                        "taskstream.worker.resilience.types[fail].circuit-breaker.sliding-window-size", "2",
                        "taskstream.worker.resilience.types[fail].circuit-breaker.minimum-calls", "2",
                        "taskstream.worker.resilience.types[fail].circuit-breaker.wait-in-open-state", "1h"));
        List<TaskDispatch> failing = List.of(
                dispatch(UUID.randomUUID(), "fail", Map.of(), 1, 4, 3),
                dispatch(UUID.randomUUID(), "fail", Map.of(), 1, 4, 3));
        harness.publishAll(failing);
        harness.awaitSeen(s -> failing.stream().allMatch(d -> s.hasResult(d.taskId())));

        Instant before = Instant.now();
        TaskDispatch deferred = dispatch(UUID.randomUUID(), "fail", Map.of(), 2, 4, 5);
        TaskDispatch other = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 4, 3);
        harness.publishAll(List.of(deferred, other));
        Seen seen = harness.awaitSeen(s -> s.hasResult(deferred.taskId()) && s.hasResult(other.taskId()));

        assertThat(failing).allSatisfy(d -> assertThat(seen.resultsOf(d.taskId())).singleElement()
                .extracting(AttemptResult::outcome).isEqualTo(AttemptOutcome.FAILED));
        assertThat(seen.resultsOf(deferred.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
            assertThat(result.attempt()).isEqualTo(2);
            assertThat(result.error().code()).isEqualTo("circuit_open");
            assertThat(result.retryAt()).isBetween(before.plus(Duration.ofMinutes(59)),
                    Instant.now().plus(Duration.ofHours(1)));
        });
        assertThat(seen.isProcessing(deferred.taskId())).as("never started").isFalse();
        assertThat(seen.resultsOf(other.taskId())).singleElement()
                .extracting(AttemptResult::outcome).isEqualTo(AttemptOutcome.COMPLETED);

        assertThat(worker.getBean(MeterRegistry.class).get("taskstream.worker.resilience.deferrals")
                .tag("type", "fail").tag("reason", "circuit_open").counter().count()).isEqualTo(1);
        String base = "http://localhost:" + worker.getEnvironment().getProperty("local.server.port");
        try (HttpClient http = HttpClient.newHttpClient()) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics)
                    .contains("circuit_breaker_state{name=\"fail\",state=\"open\"} 1.0")
                    .contains("circuit_breaker_state{name=\"fail\",state=\"closed\"} 0.0")
                    .contains("circuit_breaker_state{name=\"email.send\",state=\"closed\"} 1.0")
                    .contains("taskstream_worker_circuit_breaker_not_permitted_calls_total{kind=\"not_permitted\","
                            + "name=\"fail\"} 1.0")
                    .contains("taskstream_worker_resilience_deferrals_total{reason=\"circuit_open\",type=\"fail\"} 1.0");
        }
    }
}
