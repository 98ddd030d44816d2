package io.taskstream.scheduler.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

/**
 * The dedup window: a finished task's state is kept for {@code dedup-window} after it ended (a
 * submission with its id is dropped meanwhile), then purged by the tick.
 */
class DedupWindowTest {

    static final Duration WINDOW = Duration.ofHours(24);

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    void completed(UUID id) {
        scheduler.submit(id, "");
        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));
        scheduler.takeAll();
    }

    @Test
    void aDuplicateInsideTheWindowIsDroppedAndAfterItTheSameIdIsANewTask() {
        UUID id = UUID.randomUUID();
        completed(id);

        scheduler.advance(WINDOW.minusMillis(1));
        scheduler.submit(id, "");
        assertThat(scheduler.takeEvents()).as("1 ms before the end of the window").isEmpty();
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);

        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.count("scheduler.tasks.purged")).as("purged at the end of the window").isEqualTo(1);
        assertThat(scheduler.tasks().get(id.toString())).isNull();

        scheduler.submit(id, "");
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status, TaskEvent::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(TaskStatus.QUEUED, 1L));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).extracting(d -> d.attempt()).containsExactly(1);
    }

    @Test
    void aResultAfterThePurgeIsStaleAsAnUnknownTask() {
        UUID id = UUID.randomUUID();
        completed(id);
        scheduler.advance(WINDOW);

        scheduler.result(scheduler.resultOf(id, 1, AttemptOutcome.COMPLETED, null, null));

        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.stale.results", "reason", "unknown_task")).isEqualTo(1);
    }

    @Test
    void tasksThatHaveNotEndedAreNeverPurged() {
        UUID waiting = UUID.randomUUID();
        UUID running = UUID.randomUUID();
        scheduler.submit(waiting, "\"delay\": \"PT48H\"");
        scheduler.submit(running, "\"timeout\": \"PT24H\"");
        scheduler.takeAll();

        scheduler.advance(Duration.ofHours(24));
        scheduler.submit(waiting, "\"delay\": \"PT48H\"");
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);
        assertThat(scheduler.count("scheduler.tasks.purged")).isZero();

        scheduler.result(scheduler.resultOf(running, 1, AttemptOutcome.COMPLETED, null, null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.COMPLETED);
        scheduler.advance(Duration.ofHours(24));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).extracting(d -> d.taskId()).containsExactly(waiting);
    }

    @Test
    void theWindowIsConfigurableAndAppliesToEveryEndingFailedAndInvalidOnesToo() {
        scheduler.withDedupWindow(Duration.ofHours(1));
        UUID failed = UUID.randomUUID();
        UUID invalid = UUID.randomUUID();
        scheduler.submit(failed, "\"maxAttempts\": 1");
        scheduler.result(scheduler.resultOf(failed, 1, AttemptOutcome.FAILED, null,
                io.taskstream.schemas.TaskError.permanent("no_handler", "none")));
        scheduler.submit(Priority.NORMAL, invalid.toString(), """
                {"id": "%s", "tenantId": "acme", "type": "email.send"}""".formatted(invalid));

        scheduler.advance(Duration.ofHours(1).minusMillis(1));
        assertThat(scheduler.count("scheduler.tasks.purged")).isZero();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(2);
        assertThat(scheduler.tasks().get(failed.toString())).isNull();
        assertThat(scheduler.tasks().get(invalid.toString())).isNull();
    }

    @Test
    void oneTickPurgesAtMostMaxDuePerTickTasks() {
        scheduler.withMaxDuePerTick(2);
        for (int i = 0; i < 3; i++) {
            completed(UUID.randomUUID());
        }

        scheduler.advance(WINDOW);
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(2);
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.count("scheduler.tasks.purged")).isEqualTo(3);
    }
}
