package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
import static io.taskstream.scheduler.topology.SchedulerDriver.DEADLINE;
import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static io.taskstream.scheduler.topology.SchedulerDriver.header;
import static io.taskstream.scheduler.topology.SchedulerDriver.submission;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.ControlCommand.Kind;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * Control commands on {@code control}: {@code CANCEL}, {@code REPRIORITIZE} and {@code REPLAY},
 * as {@code docs/wire-conventions.md} ("Scheduling rules") states them.
 */
class ControlTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    /** Submits a task due in a minute; returns its SCHEDULED event. */
    TaskEvent scheduled(UUID id, String extra) {
        scheduler.submit(id, "\"delay\": \"PT1M\"" + extra);
        return scheduler.takeEvents().getFirst();
    }

    // ------------------------------------------------------------------ CANCEL

    @Test
    void cancelBeforeDueRemovesTheTaskFromTheTimersAndItNeverRuns() {
        UUID id = UUID.randomUUID();
        scheduled(id, "");
        scheduler.advance(Duration.ofSeconds(30));

        scheduler.control(id, Kind.CANCEL);

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.version()).isEqualTo(2);
        assertThat(cancelled.occurredAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(cancelled.error().code()).isEqualTo("cancelled");
        assertThat(cancelled.error().message()).contains("before attempt 1").contains("by ops");
        assertThat(cancelled.execution()).isNull();
        scheduler.advance(Duration.ofMinutes(2));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("never dispatched").isEmpty();
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.dlq().isEmpty()).isTrue();
        assertThat(scheduler.count("scheduler.cancellations", "stage", "waiting")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.cancelled")).isEqualTo(1);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void cancelOfADueTaskStillQueuedInTheTimerBacklogRemovesIt() {
        scheduler.withMaxDuePerTick(1);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        scheduler.submit(first, "\"runAt\": \"2026-12-01T10:00:01Z\"");
        scheduler.submit(second, "\"runAt\": \"2026-12-01T10:00:02Z\"");
        scheduler.takeEvents();

        scheduler.advance(Duration.ofSeconds(3));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).extracting(TaskDispatch::taskId).containsExactly(first);
        scheduler.control(second, Kind.CANCEL);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(scheduler.takeEvents()).filteredOn(e -> e.taskId().equals(second)).extracting(TaskEvent::status)
                .containsExactly(TaskStatus.CANCELLED);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        scheduler.assertVersionsStrictlyIncrease(second);
    }

    @Test
    void cancelOfARetryWaitingForItsBackoffEndsTheTaskWithoutTheNextAttempt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.RETRY_SCHEDULED);

        scheduler.control(id, Kind.CANCEL);
        scheduler.advance(Duration.ofMinutes(1));

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.attempts()).isEqualTo(1);
        assertThat(cancelled.error().message()).contains("before attempt 2");
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void cancelAfterDispatchThenACompletedResultStaysCompleted() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.CANCEL);
        assertThat(scheduler.takeEvents()).as("nothing to publish until the attempt ends").isEmpty();
        assertThat(scheduler.count("scheduler.cancellations", "stage", "in_flight")).isEqualTo(1);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void cancelAfterDispatchThenAFailedResultEndsCancelledWithoutRetryOrDeadLetter() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.CANCEL);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.version()).isEqualTo(3);
        assertThat(cancelled.execution().outcome()).isEqualTo(AttemptOutcome.FAILED);
        assertThat(cancelled.error()).isEqualTo(BOOM);
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("never retried").isEmpty();
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.dlq().isEmpty()).isTrue();
        assertThat(scheduler.taskCount("tasks.retried")).isZero();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void cancelAfterDispatchThenANonRetryableFailureEndsCancelledNotDeadLettered() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.CANCEL);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.CANCELLED, null,
                TaskError.permanent("cancelled", "the handler saw the cancel flag")));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.CANCELLED);

        UUID other = UUID.randomUUID();
        scheduler.dispatched(other, "");
        scheduler.control(other, Kind.CANCEL);
        scheduler.result(scheduler.resultOf(other, 1, AttemptOutcome.FAILED, null,
                TaskError.permanent("no_handler", "none")));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.CANCELLED);
        assertThat(scheduler.dlq().isEmpty()).isTrue();
    }

    @Test
    void cancelAfterDispatchThenATimeoutEndsCancelled() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.CANCEL);
        scheduler.advance(DEADLINE);

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.execution().outcome()).isEqualTo(AttemptOutcome.TIMED_OUT);
        assertThat(cancelled.error().code()).isEqualTo("timeout");
        assertThat(scheduler.count("scheduler.timeouts")).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.dlq().isEmpty()).isTrue();
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void cancelOfATerminalTaskIsIgnoredAndCounted() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.takeEvents();

        scheduler.control(id, Kind.CANCEL);
        scheduler.control(id, Kind.CANCEL);

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "CANCEL", "reason", "terminal")).isEqualTo(2);
        assertThat(scheduler.taskCount("tasks.completed")).isEqualTo(1);
    }

    @Test
    void aSecondCancelOfARunningTaskIsIgnored() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.CANCEL);
        scheduler.control(id, Kind.CANCEL);

        assertThat(scheduler.count("scheduler.cancellations", "stage", "in_flight")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "CANCEL", "reason", "already_requested"))
                .isEqualTo(1);
    }

    @Test
    void aCancelThatOvertakesItsSubmissionCancelsTheTaskOnAdmission() {
        UUID id = UUID.randomUUID();

        scheduler.control(id, Kind.CANCEL);
        assertThat(scheduler.takeEvents()).as("nothing known to publish yet").isEmpty();
        scheduler.submit(id, "\"labels\": {\"team\": \"billing\"}");

        TaskEvent cancelled = scheduler.takeEvents().getFirst();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.version()).isEqualTo(1);
        assertThat(cancelled.type()).isEqualTo("email.send");
        assertThat(cancelled.labels()).containsEntry("team", "billing");
        assertThat(cancelled.error().code()).isEqualTo("cancelled");
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.count("scheduler.cancellations", "stage", "not_admitted")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isZero();

        scheduler.submit(id, "");
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);
    }

    @Test
    void aCancelPlaceholderWithoutSubmissionIsPurgedAfterTheDedupWindow() {
        UUID id = UUID.randomUUID();
        scheduler.control(id, Kind.CANCEL);

        scheduler.advance(Duration.ofHours(24));
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(1);

        scheduler.submit(id, "");
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
    }

    @Test
    void commandsOfAnotherTenantAreIgnored() {
        UUID id = UUID.randomUUID();
        scheduled(id, "");

        scheduler.control(new ControlCommand(id, "other", Kind.CANCEL, null, scheduler.now(), "mallory"));
        scheduler.control(new ControlCommand(id, "other", Kind.REPRIORITIZE, Priority.CRITICAL, scheduler.now(), null));

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "CANCEL", "reason", "tenant_mismatch"))
                .isEqualTo(1);
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPRIORITIZE", "reason", "tenant_mismatch"))
                .isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).hasSize(1);
    }

    // ------------------------------------------------------------------ REPRIORITIZE

    @Test
    void reprioritizeBeforeDispatchSendsTheNextDispatchToTheNewReadyTopicAndTellsTheProjection() {
        UUID id = UUID.randomUUID();
        TaskEvent scheduledEvent = scheduled(id, "");

        scheduler.control(id, Kind.REPRIORITIZE, Priority.HIGH);

        TaskEvent moved = scheduler.takeEvents().getFirst();
        assertThat(moved.status()).isEqualTo(TaskStatus.SCHEDULED);
        assertThat(moved.priority()).isEqualTo(Priority.HIGH);
        assertThat(moved.version()).isEqualTo(2);
        assertThat(moved.runAt()).isEqualTo(scheduledEvent.runAt());
        assertThat(scheduler.count("scheduler.reprioritizations")).isEqualTo(1);

        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::version).containsExactly(3L);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        TaskDispatch dispatch = scheduler.takeDispatches(Priority.HIGH).getFirst();
        assertThat(dispatch.priority()).isEqualTo(Priority.HIGH);
        assertThat(dispatch.eventVersion()).isEqualTo(4);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void reprioritizeOfARetryWaitingForItsBackoffMovesTheNextAttempt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        TaskEvent retry = scheduler.takeEvents().getFirst();

        scheduler.control(id, Kind.REPRIORITIZE, Priority.LOW);
        TaskEvent moved = scheduler.takeEvents().getFirst();
        assertThat(moved.status()).isEqualTo(TaskStatus.RETRY_SCHEDULED);
        assertThat(moved.priority()).isEqualTo(Priority.LOW);
        assertThat(moved.runAt()).isEqualTo(retry.runAt());

        scheduler.advance(Duration.ofSeconds(2));
        scheduler.takeEvents();
        assertThat(scheduler.takeDispatches(Priority.LOW)).extracting(TaskDispatch::attempt).containsExactly(2);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void reprioritizeAfterDispatchIsIgnored() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.control(id, Kind.REPRIORITIZE, Priority.CRITICAL);

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPRIORITIZE", "reason", "dispatched"))
                .isEqualTo(1);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.takeEvents();
        assertThat(scheduler.takeDispatches(Priority.CRITICAL)).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).extracting(TaskDispatch::attempt).containsExactly(2);
    }

    @Test
    void reprioritizeToTheSamePriorityOrOfAFinishedTaskIsIgnored() {
        UUID id = UUID.randomUUID();
        scheduled(id, "");
        scheduler.control(id, Kind.REPRIORITIZE, Priority.NORMAL);
        scheduler.control(id, Kind.CANCEL);
        scheduler.takeEvents();
        scheduler.control(id, Kind.REPRIORITIZE, Priority.HIGH);

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPRIORITIZE", "reason", "unchanged"))
                .isEqualTo(1);
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPRIORITIZE", "reason", "terminal"))
                .isEqualTo(1);
        assertThat(scheduler.count("scheduler.reprioritizations")).isZero();
    }

    @Test
    void aReprioritizeThatOvertakesItsSubmissionAdmitsTheTaskWithTheNewPriority() {
        UUID id = UUID.randomUUID();

        scheduler.control(id, Kind.REPRIORITIZE, Priority.LOW);
        scheduler.control(id, Kind.REPRIORITIZE, Priority.HIGH);
        assertThat(scheduler.takeEvents()).as("nothing known to publish yet").isEmpty();
        scheduler.submit(id, "\"priority\": \"NORMAL\"");

        TaskEvent queued = scheduler.takeEvents().getFirst();
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(1);
        assertThat(queued.priority()).as("the last request wins").isEqualTo(Priority.HIGH);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.HIGH)).singleElement()
                .satisfies(d -> assertThat(d.priority()).isEqualTo(Priority.HIGH));
        assertThat(scheduler.count("scheduler.reprioritizations", "stage", "not_admitted")).isEqualTo(2);
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isZero();

        scheduler.submit(id, "");
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aDelayedTaskReprioritizedBeforeAdmissionWaitsAndIsDispatchedAtTheNewPriority() {
        UUID id = UUID.randomUUID();
        scheduler.control(id, Kind.REPRIORITIZE, Priority.CRITICAL);

        TaskEvent scheduledEvent = scheduled(id, "");

        assertThat(scheduledEvent.status()).isEqualTo(TaskStatus.SCHEDULED);
        assertThat(scheduledEvent.priority()).isEqualTo(Priority.CRITICAL);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.CRITICAL)).hasSize(1);
    }

    @Test
    void anEarlyCancelWinsOverAnEarlyReprioritizeInEitherOrder() {
        UUID reprioritizedFirst = UUID.randomUUID();
        UUID cancelledFirst = UUID.randomUUID();

        scheduler.control(reprioritizedFirst, Kind.REPRIORITIZE, Priority.HIGH);
        scheduler.control(reprioritizedFirst, Kind.CANCEL);
        scheduler.control(cancelledFirst, Kind.CANCEL);
        scheduler.control(cancelledFirst, Kind.REPRIORITIZE, Priority.HIGH);
        scheduler.submit(reprioritizedFirst, "");
        scheduler.submit(cancelledFirst, "");

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::taskId, TaskEvent::status, TaskEvent::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(reprioritizedFirst, TaskStatus.CANCELLED, 1L),
                        org.assertj.core.groups.Tuple.tuple(cancelledFirst, TaskStatus.CANCELLED, 1L));
        for (Priority priority : Priority.values()) {
            assertThat(scheduler.takeDispatches(priority)).as("never dispatched on %s", priority).isEmpty();
        }
        assertThat(scheduler.count("scheduler.cancellations", "stage", "not_admitted")).isEqualTo(2);
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPRIORITIZE", "reason", "cancel_requested"))
                .isEqualTo(1);
    }

    @Test
    void aReprioritizePlaceholderWithoutSubmissionIsPurgedAfterTheDedupWindow() {
        UUID id = UUID.randomUUID();
        scheduler.control(id, Kind.REPRIORITIZE, Priority.HIGH);

        scheduler.advance(Duration.ofHours(24).minusMillis(100));
        assertThat(scheduler.count("scheduler.tasks.purged")).isZero();
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(1);

        scheduler.submit(id, "");
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status, TaskEvent::priority)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(TaskStatus.QUEUED, Priority.NORMAL));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).hasSize(1);
    }

    @Test
    void anEarlyReprioritizeOfAnotherTenantDoesNotChangeTheSubmission() {
        UUID id = UUID.randomUUID();
        scheduler.control(new ControlCommand(id, "other", Kind.REPRIORITIZE, Priority.CRITICAL, scheduler.now(), null));

        scheduler.submit(id, "");

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::priority).containsExactly(Priority.NORMAL);
        assertThat(scheduler.takeDispatches(Priority.CRITICAL)).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).hasSize(1);
    }

    // ------------------------------------------------------------------ REPLAY

    @Test
    void replayOfAFailedTaskRunsItAgainFromAttemptOneWithIncreasingVersions() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 1");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(scheduler.dlq().readValue().reason()).isEqualTo("attempts_exhausted");
        scheduler.advance(Duration.ofHours(1));

        scheduler.control(id, Kind.REPLAY);

        TaskEvent queued = scheduler.takeEvents().getFirst();
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(failed.version() + 1);
        assertThat(queued.attempts()).isZero();
        TaskDispatch again = scheduler.takeDispatches(Priority.NORMAL).getFirst();
        assertThat(again.taskId()).isEqualTo(id);
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.dispatchedAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(again.eventVersion()).isEqualTo(queued.version() + 1);
        assertThat(scheduler.count("scheduler.replays", "from", "state")).isEqualTo(1);

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.FAILED);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.executions()).as("the history keeps the first run").extracting(Execution::attempt)
                .containsExactly(1, 1);
        scheduler.control(id, Kind.REPLAY);
        scheduler.takeEvents();
        scheduler.takeDispatches(Priority.NORMAL);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        assertThat(scheduler.versionLog(id)).containsExactly("QUEUED@1", "PROCESSING(worker)@2", "FAILED@3",
                "QUEUED@4", "PROCESSING(worker)@5", "FAILED@6", "QUEUED@7", "PROCESSING(worker)@8", "COMPLETED@9");
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aReplayedTaskIsNotPurgedAtTheEndOfItsFirstDedupWindow() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 1, \"timeout\": \"PT24H\"");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        scheduler.advance(Duration.ofHours(1));
        scheduler.control(id, Kind.REPLAY);

        scheduler.advance(Duration.ofHours(23));
        assertThat(scheduler.count("scheduler.tasks.purged")).isZero();
        scheduler.takeAll();
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
    }

    /** A task that failed its only attempt, read back as its FAILED event and its dead letter. */
    record Failed(TaskEvent event, DeadLetter deadLetter) {
    }

    Failed failedOnce(UUID id, String extra) {
        scheduler.submit(Priority.HIGH, id.toString(), submission(id, "\"maxAttempts\": 1" + extra));
        scheduler.takeAll();
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        TaskEvent failed = scheduler.takeEvents().getFirst();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        return new Failed(failed, scheduler.dlq().readValue());
    }

    @Test
    void aReplayThatCarriesTheSubmissionOfATaskStillInStateIsAnOrdinaryReplay() {
        UUID id = UUID.randomUUID();
        Failed failed = failedOnce(id, "");

        scheduler.control(ControlCommand.replay(failed.deadLetter().submission(), 40, scheduler.now(), "ops"));

        TaskEvent queued = scheduler.takeEvents().getFirst();
        assertThat(queued.version()).as("the scheduler's own version, not the carried one")
                .isEqualTo(failed.event().version() + 1);
        assertThat(scheduler.takeDispatches(Priority.HIGH)).extracting(TaskDispatch::attempt).containsExactly(1);
        assertThat(scheduler.count("scheduler.replays", "from", "state")).isEqualTo(1);
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        scheduler.takeEvents();
        assertThat(scheduler.dlq().readValue().executions()).as("the history is still there").hasSize(2);
    }

    @Test
    void aReplayAfterThePurgeReadmitsTheTaskFromTheSubmissionItCarries() {
        UUID id = UUID.randomUUID();
        Failed failed = failedOnce(id, ", \"labels\": {\"team\": \"billing\"}, \"delay\": \"PT0S\"");
        scheduler.advance(Duration.ofHours(24));
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(1);
        scheduler.advance(Duration.ofDays(30));
        // the projection holds FAILED at the FAILED event's version
        long lastVersion = failed.event().version();

        scheduler.control(ControlCommand.replay(failed.deadLetter().submission(), lastVersion, scheduler.now(), "ops"));

        TaskEvent queued = scheduler.takeEvents().getFirst();
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(lastVersion + 1);
        assertThat(queued.attempts()).isZero();
        assertThat(queued.occurredAt()).isEqualTo(scheduler.now());
        assertThat(queued.runAt()).as("due now, whatever its original due time").isEqualTo(scheduler.now());
        assertThat(queued.type()).isEqualTo("email.send");
        assertThat(queued.priority()).isEqualTo(Priority.HIGH);
        assertThat(queued.labels()).containsEntry("team", "billing");
        TaskDispatch again = scheduler.takeDispatches(Priority.HIGH).getFirst();
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.eventVersion()).isEqualTo(lastVersion + 2);
        assertThat(scheduler.count("scheduler.replays", "from", "command")).isEqualTo(1);

        scheduler.submit(Priority.HIGH, id.toString(), submission(id, ""));
        assertThat(scheduler.count("scheduler.duplicate.submissions")).as("the dedup entry is back").isEqualTo(1);
        scheduler.control(ControlCommand.replay(failed.deadLetter().submission(), lastVersion, scheduler.now(), "ops"));
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPLAY", "reason", "not_failed"))
                .as("a repeated replay").isEqualTo(1);

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status, TaskEvent::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(TaskStatus.COMPLETED, lastVersion + 3));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aReplayAfterThePurgeWithoutASubmissionIsIgnoredAndCounted() {
        UUID id = UUID.randomUUID();
        failedOnce(id, "");
        scheduler.advance(Duration.ofHours(24));

        scheduler.control(id, Kind.REPLAY);

        assertThat(scheduler.takeEvents()).isEmpty();
        for (Priority priority : Priority.values()) {
            assertThat(scheduler.takeDispatches(priority)).isEmpty();
        }
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPLAY", "reason", "unknown_task"))
                .isEqualTo(1);
        assertThat(scheduler.count("scheduler.replays")).isZero();
    }

    @Test
    void aReplayWhoseSubmissionIsAnotherTasksIsRejected() {
        UUID id = UUID.randomUUID();
        UUID other = UUID.randomUUID();

        scheduler.control(id.toString(), """
                {"taskId": "%s", "tenantId": "acme", "kind": "REPLAY", "requestedAt": "2026-12-01T10:00:00Z",
                 "lastVersion": 3, "submission": %s}""".formatted(id, submission(other, ""))
                .getBytes(StandardCharsets.UTF_8));

        assertThat(scheduler.dlq().readRecordsToList()).extracting(r -> header(r, Headers.ERROR))
                .containsExactly("invalid_record");
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.rejected.control", "reason", "invalid_record")).isEqualTo(1);
    }

    @Test
    void replayOfATaskThatIsNotFailedIsIgnored() {
        UUID running = UUID.randomUUID();
        UUID completed = UUID.randomUUID();
        scheduler.dispatched(running, "");
        scheduler.dispatched(completed, "");
        scheduler.result(scheduler.resultOf(completed, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.takeEvents();

        scheduler.control(running, Kind.REPLAY);
        scheduler.control(completed, Kind.REPLAY);
        scheduler.control(UUID.randomUUID(), Kind.REPLAY);

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPLAY", "reason", "not_failed")).isEqualTo(2);
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPLAY", "reason", "unknown_task"))
                .isEqualTo(1);
        assertThat(scheduler.count("scheduler.replays")).isZero();
    }

    @Test
    void replayOfAnInvalidRecordIsIgnoredThereIsNothingToRun() {
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), """
                {"id": "%s", "tenantId": "acme", "type": "email.send"}""".formatted(id));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.FAILED);

        scheduler.control(id, Kind.REPLAY);

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.control.ignored", "kind", "REPLAY", "reason", "invalid_record"))
                .isEqualTo(1);
    }

    // ------------------------------------------------------------------ bad records

    @Test
    void poisonControlRecordsGoToTheDlqAndTheStreamGoesOn() {
        UUID id = UUID.randomUUID();
        scheduled(id, "");

        scheduler.control("k", "not json".getBytes(StandardCharsets.UTF_8));
        scheduler.control(id.toString(), """
                {"taskId": "%s", "tenantId": "acme", "kind": "REPRIORITIZE", "requestedAt": "2026-12-01T10:00:00Z"}"""
                .formatted(id).getBytes(StandardCharsets.UTF_8));
        scheduler.control("someone-else", Json.mapper().writeValueAsBytes(scheduler.command(id, Kind.CANCEL, null)));
        scheduler.control(id.toString(), null);
        scheduler.control(id, Kind.CANCEL);

        List<TestRecord<String, DeadLetter>> dead = scheduler.dlq().readRecordsToList();
        assertThat(dead).extracting(r -> header(r, Headers.ERROR))
                .containsExactly("unreadable_record", "invalid_record", "invalid_record", "unreadable_record");
        assertThat(dead.getFirst().key()).isEqualTo("k");
        assertThat(dead.getFirst().value().source().topic()).isEqualTo("taskstream.control");
        assertThat(dead.getFirst().value().source().value()).isEqualTo("not json");
        assertThat(dead.get(1).value().taskId()).as("a bad command never fails its task").isNull();
        assertThat(dead.get(2).value().detail()).contains("keyed by their task id");
        assertThat(scheduler.count("scheduler.rejected.control", "reason", "unreadable_record")).isEqualTo(2);
        assertThat(scheduler.count("scheduler.rejected.control", "reason", "invalid_record")).isEqualTo(2);
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.CANCELLED);
    }

    @Test
    void commandsTakeEffectAtTheWallClockTimeTheyAreProcessed() {
        UUID id = UUID.randomUUID();
        scheduled(id, "");
        scheduler.advance(Duration.ofSeconds(59));
        Instant processedAt = scheduler.now();
        // requestedAt is the API's clock; the scheduler acts on its own (stream wall-clock) time
        scheduler.control(new ControlCommand(id, "acme", Kind.CANCEL, null, T0.minusSeconds(3600), null));

        assertThat(scheduler.takeEvents().getFirst().occurredAt()).isEqualTo(processedAt);
    }
}
