package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.embedded.EmbeddedRedis;
import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.samples.EmailSendHandler;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;

/**
 * Cooperative cancellation against real Redis: the flag is set the way the API sets it
 * ({@code SET taskstream:cancel:<taskId> <request time> EX 7 days}), by a client of the test's own.
 */
class CancellationIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(CancellationIT.class));
    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        harness.close();
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    /** Sets cancel flags as the API does, on the Redis at {@code url}. */
    Flags flags(String url) {
        RedisClient client = RedisClient.create(url);
        StatefulRedisConnection<String, String> connection = client.connect();
        closing.add(client::shutdown);
        closing.add(connection);
        return new Flags(connection);
    }

    record Flags(StatefulRedisConnection<String, String> connection) {
        void cancel(String key) {
            connection.sync().set(key, java.time.Instant.now().toString(), SetArgs.Builder.ex(Duration.ofDays(7)));
        }
    }

    @Test
    void aDispatchOfACancelledTaskIsReportedCancelledAndItsHandlerNeverRuns() {
        ConfigurableApplicationContext worker = harness.startWorker("it-cancel-1");
        TaskDispatch cancelled = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "a@example.com"), 2, 4, 9);
        TaskDispatch next = dispatch(UUID.randomUUID(), "email.send", Map.of("to", "b@example.com"), 1, 4, 3);
        Flags flags = flags(harness.redisUrl);
        flags.cancel("taskstream:cancel:" + cancelled.taskId());
        closing.add(() -> flags.connection().sync().del("taskstream:cancel:" + cancelled.taskId()));

        harness.publish("customer-7", cancelled);
        harness.publish("customer-7", next); // same partition, after it: runs once the first is done
        Seen seen = harness.awaitSeen(s -> s.hasResult(cancelled.taskId()) && s.hasResult(next.taskId())
                && s.isProcessing(next.taskId()));

        assertThat(seen.resultsOf(cancelled.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
            assertThat(result.attempt()).isEqualTo(2);
            assertThat(result.workerId()).isEqualTo("it-cancel-1");
            assertThat(result.error()).isEqualTo(TaskError.permanent("cancelled",
                    "task was cancelled before attempt 2 started"));
        });
        assertThat(seen.eventsOf(cancelled.taskId())).as("no PROCESSING for a task that never ran").isEmpty();
        assertThat(worker.getBean(EmailSendHandler.class).sent())
                .as("the handler ran only for the task that was not cancelled")
                .extracting(EmailSendHandler.Email::taskId).containsExactly(next.taskId());
        assertThat(seen.resultsOf(next.taskId())).singleElement()
                .extracting(AttemptResult::outcome).isEqualTo(AttemptOutcome.COMPLETED);
    }

    @Test
    void aRunningHandlerThatChecksIsCancelledStopsOnceTheFlagIsSet() {
        String prefix = harness.prefix + "cancel:";
        harness.startWorker("it-cancel-2", Map.of("taskstream.worker.cancel-key-prefix", prefix,
                "taskstream.worker.cancel-check-interval", "200ms"));
        TaskDispatch sleeping = dispatch(UUID.randomUUID(), "sleep", Map.of("ms", Duration.ofMinutes(10).toMillis()),
                1, 4, 3);
        Flags flags = flags(harness.redisUrl);

        harness.publish(sleeping);
        harness.awaitSeen(s -> s.isProcessing(sleeping.taskId()));
        flags.cancel(prefix + sleeping.taskId());
        closing.add(() -> flags.connection().sync().del(prefix + sleeping.taskId()));
        Seen seen = harness.awaitSeen(s -> s.hasResult(sleeping.taskId()));

        assertThat(seen.resultsOf(sleeping.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.CANCELLED);
            assertThat(result.error().code()).isEqualTo("cancelled");
            assertThat(result.error().retryable()).isFalse();
            assertThat(result.error().message()).startsWith("cancelled after sleeping");
            assertThat(Duration.ofMillis(result.toExecution().durationMs())).isLessThan(WorkerHarness.WITHIN);
        });
    }

    @Test
    void whileRedisIsDownFlagsCountAsNotSetTasksKeepRunningAndNoAttemptWaitsForTheCommandTimeout() {
        EmbeddedRedis redis = EmbeddedRedis.start();
        closing.add(redis);
        // a long command timeout: only failing fast while disconnected keeps the attempt quick
        ConfigurableApplicationContext worker = harness.startWorker("it-cancel-3", WebApplicationType.NONE,
                Map.of("TASKSTREAM_REDIS_URL", redis.url()), "--spring.data.redis.timeout=10s");
        TaskDispatch before = dispatch(UUID.randomUUID(), "log", Map.of("n", 1), 1, 4, 3);
        TaskDispatch cancelledDuringTheOutage = dispatch(UUID.randomUUID(), "log", Map.of("n", 2), 1, 4, 3);
        harness.publish("customer-9", before);
        harness.awaitSeen(s -> s.hasResult(before.taskId())); // the worker's Redis connection is up
        flags(redis.url()).cancel("taskstream:cancel:" + cancelledDuringTheOutage.taskId());

        redis.close();
        harness.publish("customer-9", cancelledDuringTheOutage);
        Seen seen = harness.awaitSeen(s -> s.hasResult(cancelledDuringTheOutage.taskId()));

        assertThat(seen.resultsOf(cancelledDuringTheOutage.taskId())).singleElement().satisfies(result -> {
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(Duration.ofMillis(result.toExecution().durationMs())).isLessThan(Duration.ofSeconds(5));
        });
        assertThat(worker.getBean(MeterRegistry.class).get(CancellationCheck.FAILURES_METRIC).counter().count())
                .isGreaterThanOrEqualTo(1);
    }
}
