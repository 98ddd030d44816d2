package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.DEADLINE;
import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * The visibility timeout: an attempt dispatched at {@code d} whose result has not arrived by
 * {@code d + timeout + dispatch-grace} is recorded as {@code TIMED_OUT} (error {@code timeout},
 * retryable) and follows the retry policy; its result, if it comes later, is stale.
 */
class TimeoutTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    @Test
    void anAttemptWithoutResultTimesOutAtItsDeadlineNotOneMillisecondBefore() {
        UUID id = UUID.randomUUID();
        TaskDispatch first = scheduler.dispatched(id, "");
        assertThat(first.deadline()).isEqualTo(T0.plus(DEADLINE));

        scheduler.advance(DEADLINE.minusMillis(1));
        assertThat(scheduler.takeEvents()).as("1 ms before the deadline").isEmpty();
        assertThat(scheduler.count("scheduler.timeouts")).isZero();

        scheduler.advance(Duration.ofMillis(1));
        List<TaskEvent> events = scheduler.takeEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        TaskEvent retry = events.getFirst();
        assertThat(retry.occurredAt()).isEqualTo(first.deadline());
        assertThat(retry.error().code()).isEqualTo("timeout");
        assertThat(retry.error().retryable()).isTrue();
        Execution timedOut = retry.execution();
        assertThat(timedOut.attempt()).isEqualTo(1);
        assertThat(timedOut.outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(timedOut.finishedAt()).isEqualTo(first.deadline());
        assertThat(retry.runAt()).isBetween(first.deadline().plusMillis(800), first.deadline().plusMillis(1200));
        assertThat(scheduler.count("scheduler.timeouts")).isEqualTo(1);

        scheduler.advance(Duration.ofSeconds(2));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
        TaskDispatch second = scheduler.takeDispatches(Priority.NORMAL).getFirst();
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.deadline()).isEqualTo(second.dispatchedAt().plus(DEADLINE));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void theDeadlineIsTheDispatchPlusTheTasksOwnTimeoutPlusTheGrace() {
        UUID id = UUID.randomUUID();
        TaskDispatch first = scheduler.dispatched(id, "\"timeout\": \"PT1M\"");
        Instant deadline = T0.plusSeconds(90);
        assertThat(first.deadline()).isEqualTo(deadline);

        scheduler.advance(Duration.ofSeconds(90).minusMillis(1));
        assertThat(scheduler.takeEvents()).isEmpty();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
    }

    @Test
    void aResultOneMillisecondBeforeTheDeadlineWinsAndNoTimeoutFollows() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.advance(DEADLINE.minusMillis(1));
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);

        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.timeouts")).isZero();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aLateResultOfAnAttemptThatATimeoutSupersededIsDiscardedAndCounted() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.advance(DEADLINE);
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);

        // the slow worker of attempt 1 reports while the retry waits for its backoff …
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).isEmpty();

        // … and again while attempt 2 runs
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.takeEvents();
        assertThat(scheduler.takeDispatches(Priority.NORMAL).getFirst().attempt()).isEqualTo(2);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null,
                io.taskstream.schemas.TaskError.retryable("handler_error", "late")));
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(2);

        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.COMPLETED, null, null));
        TaskEvent completed = scheduler.takeEvents().getFirst();
        assertThat(completed.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(completed.attempts()).isEqualTo(2);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aTimeoutOfTheLastAttemptDeadLettersTheTaskWithTheTimedOutExecution() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 1");

        scheduler.advance(DEADLINE);

        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("timeout");
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("attempts_exhausted");
        assertThat(dead.executions()).extracting(Execution::outcome).containsExactly(AttemptOutcome.TIMED_OUT);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "terminal")).isEqualTo(1);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void oneTickTimesOutAtMostMaxDuePerTickAttemptsOldestFirst() {
        scheduler.withMaxDuePerTick(2);
        UUID early = UUID.randomUUID();
        UUID middle = UUID.randomUUID();
        UUID late = UUID.randomUUID();
        scheduler.dispatched(early, "\"timeout\": \"PT1M\"");
        scheduler.dispatched(late, "\"timeout\": \"PT3M\"");
        scheduler.dispatched(middle, "\"timeout\": \"PT2M\"");

        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::taskId).containsExactly(early, middle);
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::taskId).containsExactly(late);
        assertThat(scheduler.count("scheduler.timeouts")).isEqualTo(3);
    }
}
