package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
import static io.taskstream.scheduler.topology.SchedulerDriver.DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * Deferral: a {@code DEFERRED} result for the attempt in flight puts the task back to waiting
 * ({@code RETRY_SCHEDULED} until the result's {@code retryAt}, clamped to [now, now + max delay]),
 * and the attempt does not count: the next dispatch carries the same attempt number. The deferred
 * dispatch leaves the deadline index; results of it that come late are discarded; a task may be
 * deferred only so often. The tick runs every millisecond, so each side of a due time can be stepped on.
 */
class DeferralTest {

    static final TaskError SNOOZED = TaskError.retryable("snoozed", "handler asked to run again after PT30S");

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(1));

    /** Worker {@code worker} (lease token {@code token}) ran {@code attempt} for a second and deferred it to {@code retryAt}. */
    AttemptResult deferral(UUID id, int attempt, long token, String worker, Instant retryAt) {
        return AttemptResult.deferred(id, "acme", attempt, token, worker, SNOOZED, scheduler.now().minusSeconds(1),
                scheduler.now(), retryAt);
    }

    AttemptResult result(UUID id, int attempt, long token, AttemptOutcome outcome, TaskError error) {
        return new AttemptResult(id, "acme", attempt, token, "w2", outcome, null, error, scheduler.now().minusSeconds(1),
                scheduler.now());
    }

    /** Defers {@code attempt} to {@code retryAt}; returns the RETRY_SCHEDULED event. */
    TaskEvent deferAndExpectWait(UUID id, int attempt, long token, Instant retryAt) {
        scheduler.result(deferral(id, attempt, token, "w1", retryAt));
        List<TaskEvent> events = scheduler.takeEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("not before its retryAt").isEmpty();
        return events.getFirst();
    }

    @Test
    void aDeferredAttemptWaitsForItsRetryAtAndRunsAgainUnderTheSameNumberWithoutCountingIt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 2");
        scheduler.advance(Duration.ofMillis(250));
        Instant retryAt = scheduler.now().plusSeconds(30);

        TaskEvent waiting = deferAndExpectWait(id, 1, 7, retryAt);

        assertThat(waiting.version()).as("after the worker's PROCESSING 2").isEqualTo(3);
        assertThat(waiting.runAt()).isEqualTo(retryAt);
        assertThat(waiting.attempts()).as("the deferred attempt does not count").isZero();
        assertThat(waiting.execution().attempt()).isEqualTo(1);
        assertThat(waiting.execution().outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(waiting.execution().error()).isEqualTo(SNOOZED);
        assertThat(waiting.error()).as("nothing failed: the task's last error is left alone").isNull();
        assertThat(scheduler.count("scheduler.deferrals")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.retried")).isZero();

        TaskDispatch again = scheduler.stepToRunAt(retryAt);
        assertThat(again.attempt()).as("the same attempt number again").isEqualTo(1);
        assertThat(again.maxAttempts()).isEqualTo(2);
        assertThat(again.deadline()).isEqualTo(retryAt.plus(DEADLINE));

        // attempts are counted as if the deferral had not happened: attempt 1 fails, attempt 2 is the last
        scheduler.result(result(id, 1, 8, AttemptOutcome.FAILED, BOOM));
        TaskEvent retry = scheduler.takeEvents().getFirst();
        assertThat(retry.status()).isEqualTo(TaskStatus.RETRY_SCHEDULED);
        assertThat(retry.attempts()).isEqualTo(1);
        assertThat(scheduler.stepToRunAt(retry.runAt()).attempt()).isEqualTo(2);
        scheduler.result(result(id, 2, 9, AttemptOutcome.FAILED, BOOM));

        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(2);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("attempts_exhausted");
        assertThat(dead.executions()).extracting(x -> x.attempt() + ":" + x.outcome())
                .containsExactly("1:DEFERRED", "1:FAILED", "2:FAILED");
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void deferralsNeverUseUpTheOnlyAttempt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 1");

        for (int i = 0; i < 3; i++) {
            TaskEvent waiting = deferAndExpectWait(id, 1, 7 + i, scheduler.now().plusSeconds(5));
            assertThat(scheduler.stepToRunAt(waiting.runAt()).attempt()).isEqualTo(1);
        }
        scheduler.result(result(id, 1, 20, AttemptOutcome.COMPLETED, null));

        TaskEvent completed = scheduler.takeEvents().getFirst();
        assertThat(completed.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(completed.attempts()).isEqualTo(1);
        assertThat(scheduler.dlq().isEmpty()).isTrue();
        assertThat(scheduler.count("scheduler.deferrals")).isEqualTo(3);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aRetryAtNowOrInThePastRunsTheAttemptAgainAtOnce() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        // what a worker that is shutting down reports: interrupted, run it again at once
        scheduler.result(AttemptResult.deferred(id, "acme", 1, 7, "w1",
                TaskError.retryable("interrupted", "worker w1 is shutting down"), scheduler.now(), scheduler.now(),
                scheduler.now().minusSeconds(5)));

        List<TaskEvent> events = scheduler.takeEvents();
        assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED, TaskStatus.QUEUED);
        assertThat(events.getFirst().runAt()).as("clamped to now").isEqualTo(scheduler.now());
        assertThat(events).extracting(TaskEvent::attempts).containsOnly(0);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement().satisfies(d -> {
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.dispatchedAt()).isEqualTo(scheduler.now());
        });
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aRetryAtBeyondTheMaxDelayIsBroughtBackToIt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        TaskEvent waiting = deferAndExpectWait(id, 1, 7, scheduler.now().plus(Duration.ofDays(3)));

        assertThat(waiting.runAt()).as("default max delay 1 h").isEqualTo(scheduler.now().plus(Duration.ofHours(1)));
        scheduler.stepToRunAt(waiting.runAt());
    }

    @Test
    void theMaxDelayIsConfigurable() {
        scheduler.withDeferral(new SchedulerProperties.DeferralLimits(Duration.ofMinutes(10), null));
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        Instant now = scheduler.now();

        assertThat(deferAndExpectWait(id, 1, 7, now.plus(Duration.ofMinutes(10))).runAt())
                .as("exactly the max is kept").isEqualTo(now.plus(Duration.ofMinutes(10)));
        scheduler.stepToRunAt(now.plus(Duration.ofMinutes(10)));
        now = scheduler.now();
        assertThat(deferAndExpectWait(id, 1, 8, now.plus(Duration.ofMinutes(10)).plusMillis(1)).runAt())
                .as("1 ms beyond it is not").isEqualTo(now.plus(Duration.ofMinutes(10)));
    }

    @Test
    void theDeferredDispatchsDeadlineIsClearedAndTheNextDispatchHasItsOwn() {
        UUID id = UUID.randomUUID();
        TaskDispatch first = scheduler.dispatched(id, "");
        Instant retryAt = scheduler.now().plus(Duration.ofMinutes(10));

        deferAndExpectWait(id, 1, 7, retryAt);
        scheduler.advance(Duration.between(scheduler.now(), first.deadline()));
        assertThat(scheduler.takeEvents()).as("at the deferred dispatch's deadline").isEmpty();
        assertThat(scheduler.count("scheduler.timeouts")).isZero();

        TaskDispatch again = scheduler.stepToRunAt(retryAt);
        scheduler.advance(DEADLINE.minusMillis(1));
        assertThat(scheduler.takeEvents()).isEmpty();
        scheduler.advance(Duration.ofMillis(1));

        TaskEvent timedOut = scheduler.takeEvents().getFirst();
        assertThat(timedOut.status()).isEqualTo(TaskStatus.RETRY_SCHEDULED);
        assertThat(timedOut.occurredAt()).isEqualTo(again.deadline());
        assertThat(timedOut.execution().attempt()).isEqualTo(1);
        assertThat(timedOut.execution().outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(timedOut.attempts()).as("a timeout does count").isEqualTo(1);
        assertThat(scheduler.count("scheduler.timeouts")).isEqualTo(1);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aTaskDeferredMaxPerTaskTimesFailsAtTheNextDeferralUntilAReplay() {
        scheduler.withDeferral(new SchedulerProperties.DeferralLimits(null, 2));
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.stepToRunAt(deferAndExpectWait(id, 1, 7, scheduler.now().plusSeconds(1)).runAt());
        scheduler.stepToRunAt(deferAndExpectWait(id, 1, 8, scheduler.now().plusSeconds(1)).runAt());

        scheduler.result(deferral(id, 1, 9, "w1", scheduler.now().plusSeconds(1)));

        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo("too_many_deferrals");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.execution().outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("too_many_deferrals");
        assertThat(dead.executions()).extracting(Execution::outcome).containsExactly(AttemptOutcome.DEFERRED,
                AttemptOutcome.DEFERRED, AttemptOutcome.DEFERRED);
        assertThat(scheduler.count("scheduler.deferrals")).isEqualTo(2);
        assertThat(scheduler.taskCount("tasks.failed")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.dead_lettered")).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();

        // a replay starts the count again
        scheduler.control(id, ControlCommand.Kind.REPLAY);
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement()
                .satisfies(d -> assertThat(d.attempt()).isEqualTo(1));
        deferAndExpectWait(id, 1, 10, scheduler.now().plusSeconds(1));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aCancelWhileDeferredEndsTheTaskCancelledAndItNeverRunsAgain() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        Instant retryAt = scheduler.now().plusSeconds(60);
        deferAndExpectWait(id, 1, 7, retryAt);

        scheduler.control(id, ControlCommand.Kind.CANCEL);

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.error().message()).contains("before attempt 1");
        assertThat(scheduler.count("scheduler.cancellations", "stage", "waiting")).isEqualTo(1);
        scheduler.advance(Duration.between(scheduler.now(), retryAt).plusSeconds(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.takeEvents()).isEmpty();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aDeferralOfAnAttemptWhoseTaskWasCancelledMeanwhileEndsItCancelled() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.control(id, ControlCommand.Kind.CANCEL);

        scheduler.result(deferral(id, 1, 7, "w1", scheduler.now().plusSeconds(30)));

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.execution().outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(cancelled.error().code()).isEqualTo("cancelled");
        assertThat(scheduler.count("scheduler.deferrals")).isZero();
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
    }

    @Test
    void lateResultsOfTheDeferredDispatchAreDiscardedWhileItWaitsAndOnceItRunsAgain() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        AttemptResult deferral = deferral(id, 1, 7, "w1", scheduler.now().plusSeconds(30));
        scheduler.result(deferral);
        TaskEvent waiting = scheduler.takeEvents().getFirst();

        // a duplicate of the deferral while the task waits: nothing is in flight
        scheduler.result(deferral);
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(1);

        scheduler.stepToRunAt(waiting.runAt());
        // attempt 1 is in flight again: the deferred dispatch's duplicate and a redelivery of it run under
        // the lease that deferred it (token 7) are not this dispatch's results
        scheduler.result(deferral);
        scheduler.result(result(id, 1, 7, AttemptOutcome.COMPLETED, null));
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "superseded_attempt")).isEqualTo(2);
        assertThat(scheduler.count("scheduler.deferrals")).isEqualTo(1);

        // the new dispatch runs under a newer lease
        scheduler.result(result(id, 1, 8, AttemptOutcome.COMPLETED, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void withoutLeasesOnlyAnExactRepeatOfTheDeferralIsRecognised() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        AttemptResult deferral = deferral(id, 1, 0, "w1", scheduler.now().plusSeconds(30));
        scheduler.result(deferral);
        scheduler.stepToRunAt(scheduler.takeEvents().getFirst().runAt());

        scheduler.result(deferral);
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "superseded_attempt")).isEqualTo(1);

        // another run (here by the same worker, later) is the new dispatch's: token 0 is never fenced
        scheduler.result(new AttemptResult(id, "acme", 1, 0, "w1", AttemptOutcome.COMPLETED, null, null,
                scheduler.now(), scheduler.now()));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
    }

    @Test
    void aWaitingDeferredTaskCanBeReprioritizedAndRunsAgainAtTheNewPriority() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        TaskEvent waiting = deferAndExpectWait(id, 1, 7, scheduler.now().plusSeconds(30));

        scheduler.control(id, ControlCommand.Kind.REPRIORITIZE, Priority.CRITICAL);
        assertThat(scheduler.takeEvents()).singleElement().satisfies(e -> {
            assertThat(e.status()).isEqualTo(TaskStatus.RETRY_SCHEDULED);
            assertThat(e.priority()).isEqualTo(Priority.CRITICAL);
        });

        scheduler.advance(Duration.between(scheduler.now(), waiting.runAt()));
        assertThat(scheduler.takeDispatches(Priority.CRITICAL)).singleElement()
                .satisfies(d -> assertThat(d.attempt()).isEqualTo(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
    }
}
