package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * Fencing tokens: the task's state remembers the highest lease token of the results it accepted; a
 * result with a lower, non-zero token comes from a worker whose lease a later one superseded, and is
 * discarded ({@code scheduler_stale_results_total{reason="fenced"}}) without changing the task. An
 * equal or higher token is accepted; token 0 (a worker without leases) always is.
 */
class FencingTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(1));

    AttemptResult result(UUID id, int attempt, long token, AttemptOutcome outcome) {
        return new AttemptResult(id, "acme", attempt, token, "w-" + token, outcome, null,
                outcome == AttemptOutcome.COMPLETED ? null : BOOM, scheduler.now().minusSeconds(1), scheduler.now());
    }

    /** A task whose attempt 1 failed under lease {@code token} (accepted); returns the dispatch of attempt 2. */
    TaskDispatch secondAttemptAfterAFailureUnder(UUID id, long token) {
        scheduler.dispatched(id, "\"maxAttempts\": 5");
        scheduler.result(result(id, 1, token, AttemptOutcome.FAILED));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.takeEvents();
        return scheduler.takeDispatches(Priority.NORMAL).getFirst();
    }

    @Test
    void aResultWithALowerTokenThanOneAcceptedIsDiscardedAsFencedAndChangesNothing() {
        UUID id = UUID.randomUUID();
        TaskDispatch second = secondAttemptAfterAFailureUnder(id, 10);
        assertThat(second.attempt()).isEqualTo(2);

        scheduler.result(result(id, 2, 9, AttemptOutcome.COMPLETED));
        scheduler.result(result(id, 2, 1, AttemptOutcome.FAILED));

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "fenced")).isEqualTo(2);
        // the attempt is still the one in flight: its deadline still runs, and its next version is unused
        scheduler.advance(Duration.between(scheduler.now(), second.deadline()));
        List<TaskEvent> timedOut = scheduler.takeEvents();
        assertThat(timedOut).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        assertThat(timedOut.getFirst().version()).isEqualTo(second.eventVersion() + 1);
        assertThat(timedOut.getFirst().execution().outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void anEqualTokenIsAccepted() {
        UUID id = UUID.randomUUID();
        secondAttemptAfterAFailureUnder(id, 10);

        scheduler.result(result(id, 2, 10, AttemptOutcome.COMPLETED));

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "fenced")).isZero();
    }

    @Test
    void aHigherTokenIsAcceptedAndBecomesTheBarForLaterResults() {
        UUID id = UUID.randomUUID();
        secondAttemptAfterAFailureUnder(id, 10);

        scheduler.result(result(id, 2, 12, AttemptOutcome.FAILED));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        scheduler.advance(Duration.ofSeconds(5));
        scheduler.takeEvents();
        assertThat(scheduler.takeDispatches(Priority.NORMAL).getFirst().attempt()).isEqualTo(3);

        scheduler.result(result(id, 3, 11, AttemptOutcome.COMPLETED));
        assertThat(scheduler.takeEvents()).as("11 is below the 12 accepted since").isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "fenced")).isEqualTo(1);

        scheduler.result(result(id, 3, 13, AttemptOutcome.COMPLETED));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void tokenZeroFromAWorkerWithoutLeasesIsAlwaysAcceptedAndRaisesNothing() {
        UUID id = UUID.randomUUID();
        secondAttemptAfterAFailureUnder(id, 10);

        scheduler.result(result(id, 2, 0, AttemptOutcome.FAILED));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);
        scheduler.advance(Duration.ofSeconds(5));
        scheduler.takeEvents();
        scheduler.takeDispatches(Priority.NORMAL);

        scheduler.result(result(id, 3, 10, AttemptOutcome.COMPLETED));
        assertThat(scheduler.takeEvents()).as("the bar stayed at 10").extracting(TaskEvent::status)
                .containsExactly(TaskStatus.COMPLETED);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "fenced")).isZero();
    }

    @Test
    void theAttemptNumberIsCheckedFirstAFencedResultOfAnOldAttemptIsAStaleAttempt() {
        UUID id = UUID.randomUUID();
        secondAttemptAfterAFailureUnder(id, 10);

        scheduler.result(result(id, 1, 3, AttemptOutcome.COMPLETED));

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "fenced")).isZero();
    }
}
