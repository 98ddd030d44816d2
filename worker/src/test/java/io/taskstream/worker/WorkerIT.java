package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;

/**
 * The worker against the shared embedded Kafka broker and Redis, started the way the devstack
 * launcher starts it: in process, {@code web(NONE)}, configured only through
 * {@code SpringApplicationBuilder.properties}. Each test has topics (prefix) and a consumer group
 * of its own. Cancellation has its own {@code CancellationIT}.
 */
class WorkerIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(WorkerIT.class));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aDispatchOnReadyNormalIsRunAndReportedAsProcessingThenCompleted() {
        harness.startWorker("it-worker-1");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 1, 4, 5);

        harness.publish(dispatch);
        Seen seen = harness.awaitSeen(s -> s.hasResult(dispatch.taskId()) && !s.events().isEmpty());

        assertThat(seen.events()).singleElement().satisfies(event -> {
            assertThat(event.taskId()).isEqualTo(dispatch.taskId());
            assertThat(event.status()).isEqualTo(TaskStatus.PROCESSING);
            assertThat(event.version()).isEqualTo(5);
            assertThat(event.attempts()).isEqualTo(1);
            assertThat(event.execution().workerId()).isEqualTo("it-worker-1");
            assertThat(event.execution().outcome()).isNull();
        });
        assertThat(seen.resultsOf(dispatch.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(result.attempt()).isEqualTo(1);
            assertThat(result.workerId()).isEqualTo("it-worker-1");
            assertThat(result.result().get("messageId").asString()).isEqualTo("msg-" + dispatch.taskId());
            assertThat(result.finishedAt()).isAfterOrEqualTo(result.startedAt());
        });
        assertThat(seen.records()).allSatisfy(record -> {
            assertThat(record.key()).isEqualTo(dispatch.taskId().toString());
            assertThat(new String(record.headers().lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                    .isIn("task-event/v1", "attempt-result/v1");
        });
    }

    @Test
    void aPoisonRecordIsSkippedAndTheNextDispatchOnItsPartitionStillRuns() {
        ConfigurableApplicationContext worker = harness.startWorker("it-worker-2");
        TaskDispatch failing = dispatch(UUID.randomUUID(), "fail", Map.of("failTimes", 1, "retryable", false), 1, 4, 3);

        harness.publish("same-key", "this is not a dispatch".getBytes(StandardCharsets.UTF_8));
        harness.publish("same-key", failing);
        Seen seen = harness.awaitSeen(s -> s.hasResult(failing.taskId()));

        assertThat(seen.resultsOf(failing.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("handler_error");
            assertThat(result.error().retryable()).isFalse();
        });
        assertThat(worker.getBean(MeterRegistry.class).get("taskstream.worker.dispatches.skipped")
                .tag("reason", "unreadable").counter().count()).isEqualTo(1);
    }

    @Test
    void finishedWorkIsCommittedSoARestartedWorkerOfTheGroupDoesNotRunItAgain() throws Exception {
        ConfigurableApplicationContext first = harness.startWorker("it-worker-3a");
        TaskDispatch before = dispatch(UUID.randomUUID(), "log", Map.of("n", 1), 1, 4, 3);
        harness.publish("customer-42", before);
        harness.awaitSeen(s -> s.hasResult(before.taskId()));
        first.close();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(harness.group).partitionsToOffsetAndMetadata().get();
            assertThat(committed.values()).extracting(OffsetAndMetadata::offset).containsExactly(1L);
        }

        harness.startWorker("it-worker-3b");
        TaskDispatch after = dispatch(UUID.randomUUID(), "log", Map.of("n", 2), 1, 4, 3);
        harness.publish("customer-42", after);
        Seen seen = harness.awaitSeen(s -> s.hasResult(after.taskId()));

        assertThat(seen.resultsOf(before.taskId())).singleElement()
                .extracting(AttemptResult::workerId).isEqualTo("it-worker-3a");
        assertThat(seen.resultsOf(after.taskId())).singleElement()
                .extracting(AttemptResult::workerId).isEqualTo("it-worker-3b");
    }

    @Test
    void runStandaloneItServesHealthAndPrometheusMetrics() throws Exception {
        ConfigurableApplicationContext worker = harness.startWorker("it-worker-4", WebApplicationType.SERVLET,
                Map.of("TASKSTREAM_HTTP_PORT", "0"));
        String base = "http://localhost:" + worker.getEnvironment().getProperty("local.server.port");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "report.generate", Map.of("ms", 1), 1, 4, 3);
        harness.publish(dispatch);
        harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("taskstream_worker_tasks_total{outcome=\"completed\",type=\"report.generate\"} 1.0")
                    .contains("task_duration_seconds_count{outcome=\"completed\",type=\"report.generate\"} 1")
                    .containsPattern("task_duration_seconds_bucket\\{outcome=\"completed\",type=\"report.generate\","
                            + "le=\"300(\\.0)?\"} 1")
                    .containsPattern("task_pickup_latency_seconds_bucket\\{priority=\"normal\",le=\"0.005\"} ")
                    .contains("worker_pool_size ")
                    .contains("worker_slots_busy ")
                    .contains("kafka_consumer_fetch_manager_records_lag_max{")
                    .contains("kafka_producer_record_send_total{")
                    .contains("taskstream_worker_dispatches_unfinished")
                    .contains("taskstream_worker_cancel_check_failures_total 0.0");
        }
    }

    @Test
    void anExceptionOfAConfiguredNonRetryableTypeIsReportedNotRetryable() {
        // the fail sample throws an IllegalStateException, retryable unless configured otherwise
        harness.startWorker("it-worker-5", Map.of("taskstream.worker.non-retryable-exceptions",
                "java.io.UncheckedIOException, java.lang.IllegalStateException"));
        TaskDispatch failing = dispatch(UUID.randomUUID(), "fail", Map.of("failTimes", 1), 1, 4, 3);

        harness.publish(failing);
        Seen seen = harness.awaitSeen(s -> s.hasResult(failing.taskId()));

        assertThat(seen.resultsOf(failing.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(result.error().code()).isEqualTo("handler_error");
            assertThat(result.error().message()).startsWith("java.lang.IllegalStateException: simulated failure");
            assertThat(result.error().retryable()).isFalse();
        });
    }

    @Test
    void anUnknownNonRetryableExceptionClassStopsTheStartUpWithOneClearMessage() {
        assertThatThrownBy(() -> harness.startWorker("it-worker-6", Map.of(
                "taskstream.worker.non-retryable-exceptions", "java.lang.IllegalStateException,com.acme.Typo")))
                .rootCause()
                .hasMessage("taskstream.worker.non-retryable-exceptions must name exception classes:"
                        + " com.acme.Typo is not on the class path (was [java.lang.IllegalStateException, com.acme.Typo])");
    }

    @Test
    void aTaskDeliveredToTwoWorkersAtOnceRunsOnceTheOtherWaitsForTheLeaseThenSkipsIt() {
        Map<String, Object> fastRetry = Map.of("taskstream.worker.lease-retry", "50ms");
        ConfigurableApplicationContext a = harness.startWorker("it-worker-7a", fastRetry);
        ConfigurableApplicationContext b = harness.startWorker("it-worker-7b", Map.of(
                "taskstream.worker.lease-retry", "50ms", "taskstream.worker.group-id", harness.group + "-b"));
        TaskDispatch slow = dispatch(UUID.randomUUID(), "sleep", Map.of("ms", 1_000), 1, 4, 3);

        harness.publish(slow); // both groups get it
        org.awaitility.Awaitility.await().atMost(WorkerHarness.WITHIN).until(() -> skippedAsFinished(a) + skippedAsFinished(b) == 1);

        Seen seen = harness.awaitSeen(s -> s.hasResult(slow.taskId()));
        assertThat(seen.resultsOf(slow.taskId())).singleElement().satisfies(result -> {
            assertThat(result.fencingToken()).isPositive();
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        });
        assertThat(leaseWaits(a) + leaseWaits(b)).as("the second waited while the first ran").isPositive();
    }

    private static double skippedAsFinished(ConfigurableApplicationContext worker) {
        var counter = worker.getBean(MeterRegistry.class).find("taskstream.worker.dispatches.skipped")
                .tag("reason", "finished").counter();
        return counter == null ? 0 : counter.count();
    }

    private static double leaseWaits(ConfigurableApplicationContext worker) {
        var counter = worker.getBean(MeterRegistry.class).find("taskstream.worker.lease.waits").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aTaskRunningPastItsTimeoutIsInterruptedAndReportedTimedOutWhileTheWorkerGoesOn() {
        harness.startWorker("it-worker-8");
        TaskDispatch d = dispatch(UUID.randomUUID(), "sleep", Map.of("ms", 60_000), 1, 4, 3);
        TaskDispatch slow = new TaskDispatch(d.taskId(), d.tenantId(), d.type(), d.payload(), d.priority(),
                d.attempt(), d.maxAttempts(), java.time.Duration.ofMillis(500), d.orderingKey(), d.labels(),
                d.scheduleId(), d.encrypt(), d.createdAt(), d.dispatchedAt(), d.deadline(), d.eventVersion());
        TaskDispatch quick = dispatch(UUID.randomUUID(), "log", Map.of(), 1, 4, 3);

        harness.publish(slow);
        harness.publish(quick);
        Seen seen = harness.awaitSeen(s -> s.hasResult(slow.taskId()) && s.hasResult(quick.taskId()));

        assertThat(seen.resultsOf(slow.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
            assertThat(result.error().code()).isEqualTo("timeout");
            assertThat(result.error().retryable()).isTrue();
            assertThat(java.time.Duration.between(result.startedAt(), result.finishedAt()))
                    .as("interrupted at its timeout, not after the 60 s sleep").isLessThan(java.time.Duration.ofSeconds(30));
        });
        assertThat(seen.resultsOf(quick.taskId())).singleElement()
                .extracting(AttemptResult::outcome).isEqualTo(AttemptOutcome.COMPLETED);
    }
}
