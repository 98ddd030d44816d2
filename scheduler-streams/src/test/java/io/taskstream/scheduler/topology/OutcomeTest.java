package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.BOOM;
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
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

class OutcomeTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    @Test
    void completedResultCompletesTheTaskWithItsExecutionAfterTheWorkersVersion() {
        UUID id = UUID.randomUUID();
        TaskDispatch dispatch = scheduler.dispatched(id, "");
        scheduler.advance(Duration.ofSeconds(2));

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED,
                Json.mapper().readTree("{\"sent\": true}"), null));

        TestRecord<String, TaskEvent> record = scheduler.events().readRecord();
        TaskEvent completed = record.value();
        assertThat(record.key()).isEqualTo(id.toString());
        assertThat(completed.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(1L).isLessThan(dispatch.eventVersion());
        assertThat(completed.version()).isGreaterThan(dispatch.eventVersion()).isEqualTo(3);
        assertThat(completed.attempts()).isEqualTo(1);
        assertThat(completed.result().get("sent").asBoolean()).isTrue();
        Execution execution = completed.execution();
        assertThat(execution.attempt()).isEqualTo(1);
        assertThat(execution.workerId()).isEqualTo("w1");
        assertThat(execution.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        assertThat(execution.durationMs()).isEqualTo(1000);
        assertThat(completed.occurredAt()).isEqualTo(scheduler.now());

        assertThat(scheduler.dlq().isEmpty()).isTrue();
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.taskCount("tasks.completed")).isEqualTo(1);
    }

    @Test
    void resultsThatDoNotMatchTheAttemptInFlightAreDiscardedAndCounted() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.result(scheduler.resultOf(UUID.randomUUID(), 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.COMPLETED, null, null));
        scheduler.result(new AttemptResult(id, "other-tenant", 1, 7, "w1", AttemptOutcome.COMPLETED, null, null,
                null, null));
        assertThat(scheduler.events().isEmpty()).isTrue();

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));

        assertThat(scheduler.events().readValuesToList()).extracting(TaskEvent::status)
                .containsExactly(TaskStatus.COMPLETED);
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "unknown_task")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "tenant_mismatch")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.stale.results", "reason", "terminal")).isEqualTo(1);
    }

    @Test
    void resultForATaskStillScheduledIsStale() {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT1M\"");
        scheduler.events().readValuesToList();

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));

        assertThat(scheduler.events().isEmpty()).isTrue();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "stale_attempt")).isEqualTo(1);
    }

    @Test
    void nonRetryableFailureFailsTheTaskAndDeadLettersItWithItsExecutions() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        TaskError noHandler = TaskError.permanent("no_handler", "no handler for email.send");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, noHandler));

        TaskEvent failed = scheduler.events().readValue();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.version()).isEqualTo(3);
        assertThat(failed.error()).isEqualTo(noHandler);
        assertThat(failed.execution().outcome()).isEqualTo(AttemptOutcome.FAILED);

        TestRecord<String, DeadLetter> record = scheduler.dlq().readRecord();
        assertThat(record.key()).isEqualTo(id.toString());
        assertThat(header(record, Headers.ERROR)).isEqualTo("non_retryable");
        DeadLetter dead = record.value();
        assertThat(dead.reason()).isEqualTo("non_retryable");
        assertThat(dead.taskId()).isEqualTo(id);
        assertThat(dead.tenantId()).isEqualTo("acme");
        assertThat(dead.detail()).isEqualTo("no_handler: no handler for email.send");
        assertThat(dead.submission().type()).isEqualTo("email.send");
        assertThat(dead.executions()).extracting(Execution::attempt).containsExactly(1);
        assertThat(dead.source()).isNull();
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
    }

    @Test
    void retryableFailureWithAttemptsLeftSchedulesTheNextAttemptAfterTheBackoff() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");
        Instant failedAt = scheduler.now();

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));

        TaskEvent retry = scheduler.events().readValue();
        assertThat(retry.status()).isEqualTo(TaskStatus.RETRY_SCHEDULED);
        assertThat(retry.version()).isEqualTo(3);
        assertThat(retry.execution().attempt()).isEqualTo(1);
        assertThat(retry.error()).isEqualTo(BOOM);
        assertThat(retry.runAt()).as("default backoff: 1 s ± 20 %%")
                .isBetween(failedAt.plusMillis(800), failedAt.plusMillis(1200));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).as("not before its runAt").isTrue();
        assertThat(scheduler.taskCount("tasks.retried")).isEqualTo(1);

        scheduler.advance(Duration.ofSeconds(2));
        TaskEvent queued = scheduler.events().readValue();
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(4);
        assertThat(queued.attempts()).isEqualTo(1);
        TaskDispatch second = scheduler.ready(Priority.NORMAL).readValue();
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.eventVersion()).isEqualTo(5);
        assertThat(scheduler.dlq().isEmpty()).isTrue();

        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.COMPLETED, null, null));
        TaskEvent completed = scheduler.events().readValue();
        assertThat(completed.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(completed.version()).isEqualTo(6);
        assertThat(completed.attempts()).isEqualTo(2);
    }

    @Test
    void timedOutResultIsRetriedLikeAFailure() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.TIMED_OUT, null,
                TaskError.retryable("timeout", "ran past PT5M")));
        scheduler.advance(Duration.ofSeconds(2));

        assertThat(scheduler.ready(Priority.NORMAL).readValue().attempt()).isEqualTo(2);
    }

    @Test
    void lastAttemptFailingExhaustsTheTaskAndTheDeadLetterListsEveryAttempt() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "\"maxAttempts\": 2");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.FAILED, null, BOOM));
        scheduler.advance(Duration.ofSeconds(2));
        scheduler.events().readValuesToList();
        assertThat(scheduler.ready(Priority.NORMAL).readValue().attempt()).isEqualTo(2);

        scheduler.result(scheduler.resultOf(id, 2, AttemptOutcome.FAILED, null, BOOM));

        TaskEvent failed = scheduler.events().readValue();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.version()).isEqualTo(6);
        assertThat(failed.attempts()).isEqualTo(2);
        DeadLetter dead = scheduler.dlq().readValue();
        assertThat(dead.reason()).isEqualTo("attempts_exhausted");
        assertThat(dead.executions()).extracting(Execution::attempt).containsExactly(1, 2);
        assertThat(dead.executions()).extracting(Execution::error).containsOnly(BOOM);
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.taskCount("tasks.failed")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.dead_lettered")).isEqualTo(1);
        assertThat(scheduler.taskCount("tasks.retried")).isEqualTo(1);
    }

    @Test
    void cancelledAttemptCancelsTheTask() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.CANCELLED, null,
                TaskError.permanent("cancelled", "cancelled by the operator")));

        TaskEvent cancelled = scheduler.events().readValue();
        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.version()).isEqualTo(3);
        assertThat(cancelled.execution().outcome()).isEqualTo(AttemptOutcome.CANCELLED);
        assertThat(scheduler.dlq().isEmpty()).isTrue();
    }

    @Test
    void unreadableResultGoesToTheDlqAndTheStreamGoesOn() {
        UUID id = UUID.randomUUID();
        scheduler.dispatched(id, "");

        scheduler.result("k", "not json".getBytes(StandardCharsets.UTF_8));
        scheduler.result(id.toString(), "{\"taskId\": \"%s\", \"tenantId\": \"acme\", \"attempt\": 0}"
                .formatted(id).getBytes(StandardCharsets.UTF_8));
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));

        List<TestRecord<String, DeadLetter>> dead = scheduler.dlq().readRecordsToList();
        assertThat(dead).extracting(r -> header(r, Headers.ERROR))
                .containsExactly("unreadable_record", "invalid_record");
        assertThat(dead.getFirst().key()).isEqualTo("k");
        assertThat(dead.getFirst().value().source().topic()).isEqualTo("taskstream.results");
        assertThat(dead.get(1).value().taskId()).as("a bad result does not fail its task").isNull();
        assertThat(scheduler.events().readValue().status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(scheduler.count("scheduler.rejected.results", "reason", "unreadable_record")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.rejected.results", "reason", "invalid_record")).isEqualTo(1);
    }
}
