package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static io.taskstream.scheduler.topology.SchedulerDriver.submission;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

class DelayedTaskTest {

    @TempDir
    Path stateDir;

    SchedulerDriver scheduler;

    @AfterEach
    void stop() {
        scheduler.close();
    }

    @Test
    void delayedTaskNeverStartsBeforeItsRunAtAndIsDispatchedOnTheFirstTickAfter() {
        scheduler = new SchedulerDriver(stateDir);
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"runAt\": \"2026-12-01T10:00:10Z\""));

        TaskEvent scheduled = scheduler.events().readValue();
        assertThat(scheduled.status()).isEqualTo(TaskStatus.SCHEDULED);
        assertThat(scheduled.version()).isEqualTo(1);
        assertThat(scheduled.runAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();

        scheduler.advance(Duration.ofMillis(9_900));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        assertThat(scheduler.events().isEmpty()).isTrue();

        scheduler.advance(Duration.ofMillis(100));
        TaskEvent queued = scheduler.events().readValue();
        assertThat(queued.status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(queued.version()).isEqualTo(2);
        TaskDispatch dispatch = scheduler.ready(Priority.NORMAL).readValue();
        assertThat(dispatch.taskId()).isEqualTo(id);
        assertThat(dispatch.eventVersion()).isEqualTo(3);
        assertThat(dispatch.dispatchedAt()).isEqualTo(T0.plusSeconds(10));

        scheduler.advance(Duration.ofSeconds(5));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).as("dispatched once").isTrue();
    }

    @Test
    void delayCountsFromTheSubmissionsCreatedAt() {
        scheduler = new SchedulerDriver(stateDir);
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(),
                submission(id, "\"delay\": \"PT30S\", \"createdAt\": \"2026-12-01T09:59:50Z\""));

        assertThat(scheduler.events().readValue().runAt()).isEqualTo(T0.plusSeconds(20));
        scheduler.advance(Duration.ofMillis(19_900));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
    }

    @Test
    void runAtInThePastIsQueuedAtOnce() {
        scheduler = new SchedulerDriver(stateDir);
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"runAt\": \"2026-12-01T09:00:00Z\""));

        assertThat(scheduler.events().readValue().status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
    }

    @Test
    void oneTickReleasesAtMostMaxDuePerTickTasksOldestFirst() {
        scheduler = new SchedulerDriver(stateDir, new SchedulerProperties(null, null, null, null, null, null, null,
                null, 2, null));
        UUID late = UUID.randomUUID();
        UUID early = UUID.randomUUID();
        UUID middle = UUID.randomUUID();
        scheduler.submit(Priority.LOW, late.toString(), submission(late, "\"delay\": \"PT3S\""));
        scheduler.submit(Priority.LOW, early.toString(), submission(early, "\"delay\": \"PT1S\""));
        scheduler.submit(Priority.LOW, middle.toString(), submission(middle, "\"delay\": \"PT2S\""));

        scheduler.advance(Duration.ofSeconds(5));
        List<UUID> firstTick = scheduler.ready(Priority.LOW).readValuesToList().stream().map(TaskDispatch::taskId)
                .toList();
        assertThat(firstTick).containsExactly(early, middle);

        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.ready(Priority.LOW).readValuesToList()).extracting(TaskDispatch::taskId)
                .containsExactly(late);
    }

    @Test
    void duplicateOfAScheduledTaskIsDropped() {
        scheduler = new SchedulerDriver(stateDir);
        UUID id = UUID.randomUUID();
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"delay\": \"PT1S\""));
        scheduler.submit(Priority.NORMAL, id.toString(), submission(id, "\"delay\": \"PT1S\""));

        scheduler.advance(Duration.ofSeconds(2));
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
        assertThat(scheduler.events().readValuesToList()).extracting(TaskEvent::status)
                .containsExactly(TaskStatus.SCHEDULED, TaskStatus.QUEUED);
    }
}
