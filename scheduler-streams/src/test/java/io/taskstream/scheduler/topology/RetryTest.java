package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * Retries: a retryable failure with attempts left waits for its backoff in the timer store
 * ({@code RETRY_SCHEDULED} with the next attempt's {@code runAt}), then is {@code QUEUED} and
 * dispatched as the next attempt; the last attempt's failure, or a non-retryable one, dead-letters
 * the task. The tick runs every millisecond here, so each side of a due time can be stepped on.
 */
class RetryTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(1));

    /** Attempt {@code attempt} fails; returns the RETRY_SCHEDULED event. */
    TaskEvent failAndExpectRetry(UUID id, int attempt) {
        scheduler.result(scheduler.resultOf(id, attempt, AttemptOutcome.FAILED, null, BOOM));
        List<TaskEvent> events = scheduler.takeEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        return events.getFirst();
    }

    @Test
    void eachRetryWaitsForItsBackoffWithinTheJitterBoundsThenTheLastFailureDeadLettersEverything() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 5, \"labels\": {\"team\": \"billing\"}");
        // attempt n fails → wait min(5 min, 1 s × 2^(n-1)) ± 20 %
        long[][] boundsMs = {{800, 1200}, {1600, 2400}, {3200, 4800}, {6400, 9600}};

        for (int attempt = 1; attempt <= 4; attempt++) {
            scheduler.advance(Duration.ofMillis(250));
            Instant failedAt = scheduler.now();
            TaskEvent retry = failAndExpectRetry(id, attempt);
            assertThat(retry.attempts()).isEqualTo(attempt);
            assertThat(retry.execution().attempt()).isEqualTo(attempt);
            assertThat(retry.execution().outcome()).isEqualTo(AttemptOutcome.FAILED);
            assertThat(retry.error()).isEqualTo(BOOM);
            assertThat(Duration.between(failedAt, retry.runAt()).toMillis()).as("wait after attempt %d", attempt)
                    .isBetween(boundsMs[attempt - 1][0], boundsMs[attempt - 1][1]);

            TaskDispatch next = scheduler.stepToRunAt(retry.runAt());
            assertThat(next.attempt()).isEqualTo(attempt + 1);
            assertThat(next.maxAttempts()).isEqualTo(5);
        }

        scheduler.result(scheduler.resultOf(id, 5, AttemptOutcome.FAILED, null, BOOM));
        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(5);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("attempts_exhausted");
        assertThat(dead.taskId()).isEqualTo(id);
        assertThat(dead.submission().id()).isEqualTo(id);
        assertThat(dead.submission().maxAttempts()).isEqualTo(5);
        assertThat(dead.submission().labels()).containsEntry("team", "billing");
        assertThat(dead.submission().payload().get("to").asString()).isEqualTo("a@example.com");
        assertThat(dead.executions()).extracting(Execution::attempt).containsExactly(1, 2, 3, 4, 5);
        assertThat(dead.executions()).extracting(Execution::outcome).containsOnly(AttemptOutcome.FAILED);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.taskCount("tasks.retried")).isEqualTo(4);
        // QUEUED 1, PROCESSING 2, then (RETRY_SCHEDULED, QUEUED, PROCESSING) × 4 = 3..14, FAILED 15
        assertThat(failed.version()).isEqualTo(15);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void theConfiguredDefaultBackoffAppliesToTasksWithoutTheirOwn() {
        scheduler.withBackoff(
                new SchedulerProperties.BackoffDefaults(Duration.ofSeconds(10), 3.0, Duration.ofSeconds(20), 0.0));
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        Instant failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 1).runAt()).isEqualTo(failedAt.plusSeconds(10));
        scheduler.stepToRunAt(failedAt.plusSeconds(10));

        failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 2).runAt()).as("30 s capped at max").isEqualTo(failedAt.plusSeconds(20));
        scheduler.stepToRunAt(failedAt.plusSeconds(20));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aTasksOwnBackoffWinsOverTheConfiguredDefault() {
        scheduler.withBackoff(new SchedulerProperties.BackoffDefaults(Duration.ofSeconds(10), null, null, 0.0));
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id,
                "\"backoff\": {\"initial\": \"PT2S\", \"multiplier\": 1.0, \"max\": \"PT2S\", \"jitter\": 0.0}");

        Instant failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 1).runAt()).isEqualTo(failedAt.plusSeconds(2));
        scheduler.stepToRunAt(failedAt.plusSeconds(2));
    }

    @Test
    void aWaitOfZeroRetriesAtOnce() {
        // jitter 1.0 spreads the wait over 0..2 × initial; this generator always draws the lowest
        scheduler.withRandom(new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }
        });
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"backoff\": {\"initial\": \"PT1S\", \"jitter\": 1.0}");

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));

        List<TaskEvent> events = scheduler.takeEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED, TaskStatus.QUEUED);
        assertThat(events.getFirst().runAt()).isEqualTo(scheduler.now());
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement()
                .satisfies(d -> assertThat(d.attempt()).isEqualTo(2));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void maxAttemptsOfOneMeansTheFirstFailureIsFinal() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 1");

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.FAILED);
        assertThat(scheduler.dlq().readValue().reason()).isEqualTo("attempts_exhausted");
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.taskCount("tasks.retried")).isZero();
    }

    @Test
    void aNonRetryableErrorAfterARetryFailsTheTaskAtOnceWithEveryExecution() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.stepToRunAt(failAndExpectRetry(id, 1).runAt());

        TaskError noHandler = TaskError.permanent("no_handler", "no handler for email.send");
        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.FAILED, null, noHandler));

        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.error()).isEqualTo(noHandler);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("non_retryable");
        assertThat(dead.detail()).isEqualTo("no_handler: no handler for email.send");
        assertThat(dead.executions()).extracting(Execution::error).containsExactly(BOOM, noHandler);
        assertThat(dead.submission().type()).isEqualTo("email.send");
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aResultForTheAttemptThatIsWaitingForItsRetryIsStale() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        failAndExpectRetry(id, 1);

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(1);
    }

    @Test
    void aPartialBackoffTakesTheMissingFieldsFromTheConfiguredDefault() {
        scheduler.withBackoff(
                new SchedulerProperties.BackoffDefaults(Duration.ofSeconds(10), 3.0, Duration.ofMinutes(1), 0.0));
        UUID id = UUID.randomUUID();
        // multiplier 3.0, max 1 min and jitter 0.0 come from the deployment
        scheduler.dispatched(id, "\"backoff\": {\"initial\": \"PT2S\"}");

        Instant failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 1).runAt()).isEqualTo(failedAt.plusSeconds(2));
        scheduler.stepToRunAt(failedAt.plusSeconds(2));
        failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 2).runAt()).isEqualTo(failedAt.plusSeconds(6));

        UUID longer = UUID.randomUUID();
        // an initial wait above the default max raises the max to it instead of making the task invalid
        scheduler.dispatched(longer, "\"backoff\": {\"initial\": \"PT10M\"}");
        failedAt = scheduler.now();
        assertThat(failAndExpectRetry(longer, 1).runAt()).isEqualTo(failedAt.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aPartialBackoffIsKeptAsGivenAndOnlyCompletedWhenAWaitIsComputed() {
        scheduler.withBackoff(
                new SchedulerProperties.BackoffDefaults(Duration.ofSeconds(10), 3.0, Duration.ofMinutes(1), 0.0));
        UUID id = UUID.randomUUID();
        // only a max, below the deployment's initial: the initial drops to it (a default never invalidates a task)
        scheduler.dispatched(id, "\"maxAttempts\": 2, \"backoff\": {\"max\": \"PT0.5S\"}");

        Instant failedAt = scheduler.now();
        assertThat(failAndExpectRetry(id, 1).runAt()).isEqualTo(failedAt.plusMillis(500));
        scheduler.stepToRunAt(failedAt.plusMillis(500));
        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.FAILED, null, BOOM));

        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.submission().backoff()).as("what the task gave, so a replay uses the defaults of its time")
                .isEqualTo(new Backoff(null, null, Duration.ofMillis(500), null));
    }
}
