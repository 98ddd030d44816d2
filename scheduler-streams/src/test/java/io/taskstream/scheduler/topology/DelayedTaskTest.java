package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static io.taskstream.scheduler.topology.SchedulerDriver.submission;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

import io.taskstream.scheduler.state.TimerKey;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

class DelayedTaskTest {

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver();

    @Test
    void delayedTaskNeverStartsBeforeItsRunAtAndIsDispatchedOnTheFirstTickAfter() {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"runAt\": \"2026-12-01T10:00:10Z\"");

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
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT30S\", \"createdAt\": \"2026-12-01T09:59:50Z\"");

        assertThat(scheduler.events().readValue().runAt()).isEqualTo(T0.plusSeconds(20));
        scheduler.advance(Duration.ofMillis(19_900));
        assertThat(scheduler.ready(Priority.NORMAL).isEmpty()).isTrue();
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
    }

    @Test
    void runAtInThePastIsQueuedAtOnce() {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"runAt\": \"2026-12-01T09:00:00Z\"");

        assertThat(scheduler.events().readValue().status()).isEqualTo(TaskStatus.QUEUED);
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
    }

    @Test
    void oneTickReleasesAtMostMaxDuePerTickTasksOldestFirst() {
        scheduler.withMaxDuePerTick(2);
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
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT1S\"");
        scheduler.submit(id, "\"delay\": \"PT1S\"");

        scheduler.advance(Duration.ofSeconds(2));
        assertThat(scheduler.ready(Priority.NORMAL).readValuesToList()).hasSize(1);
        assertThat(scheduler.events().readValuesToList()).extracting(TaskEvent::status)
                .containsExactly(TaskStatus.SCHEDULED, TaskStatus.QUEUED);
    }
    @ParameterizedTest(name = "runAt {0} ms from the admission → {1}")
    @CsvSource({"-1, QUEUED", "0, QUEUED", "1, SCHEDULED"})
    void atAdmissionATaskDueAtOrBeforeNowIsQueuedAndOneDueLaterIsScheduled(long offsetMs, TaskStatus expected) {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"runAt\": \"%s\"".formatted(T0.plusMillis(offsetMs)));

        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(expected);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).hasSize(expected == TaskStatus.QUEUED ? 1 : 0);
    }

    @ParameterizedTest(name = "a tick {0} ms from the due time releases it: {1}")
    @CsvSource({"-1, false", "0, true", "1, true"})
    void aTickReleasesATaskFromItsDueTimeOnNeverOneMillisecondBefore(long offsetMs, boolean released) {
        UUID id = UUID.randomUUID();
        Instant due = T0.plusSeconds(10);
        scheduler.submit(id, "\"runAt\": \"%s\"".formatted(due));
        scheduler.takeAll();

        scheduler.advance(Duration.ofSeconds(10).plusMillis(offsetMs));

        List<TaskEvent> events = scheduler.takeEvents();
        List<TaskDispatch> dispatches = scheduler.takeDispatches(Priority.NORMAL);
        assertThat(dispatches).hasSize(released ? 1 : 0);
        if (released) {
            assertThat(events).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
            assertThat(dispatches.getFirst().dispatchedAt()).isEqualTo(due.plusMillis(offsetMs))
                    .isAfterOrEqualTo(due);
            scheduler.assertVersionsStrictlyIncrease(id);
        } else {
            assertThat(events).isEmpty();
        }
    }

    @Test
    void steppingMillisecondByMillisecondTheTaskIsReleasedExactlyAtItsDueTime() {
        scheduler.withPunctuateInterval(Duration.ofMillis(1));
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT0.005S\"");
        scheduler.takeAll();

        for (int ms = 1; ms < 5; ms++) {
            scheduler.advance(Duration.ofMillis(1));
            assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("%d ms before", 5 - ms).isEmpty();
        }
        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement()
                .satisfies(d -> assertThat(d.dispatchedAt()).isEqualTo(T0.plusMillis(5)));
        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("released once").isEmpty();
    }

    @Test
    void aTaskMonthsAheadWaitsInTheTimerStoreAndIsReleasedAtItsRunAt() {
        UUID id = UUID.randomUUID();
        Instant runAt = Instant.parse("2027-06-01T08:30:00Z");
        scheduler.submit(id, "\"runAt\": \"%s\"".formatted(runAt));
        TaskEvent scheduled = scheduler.takeEvents().getFirst();
        assertThat(scheduled.status()).isEqualTo(TaskStatus.SCHEDULED);
        assertThat(scheduled.runAt()).isEqualTo(runAt);

        scheduler.advance(Duration.ofDays(30));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        scheduler.advance(Duration.between(scheduler.now(), runAt).minusMillis(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).as("1 ms before").isEmpty();
        assertThat(scheduler.count("scheduler.tasks.purged")).as("a waiting task is not purged").isZero();

        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement()
                .satisfies(d -> assertThat(d.dispatchedAt()).isEqualTo(runAt));
        scheduler.assertVersionsStrictlyIncrease(id);
    }

    @Test
    void aTimerWhoseTaskMovedOnIsDroppedWithoutADispatch() {
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"delay\": \"PT1S\"");
        // a timer entry left behind that no longer matches the task (as after a crash between writes)
        KeyValueStore<Bytes, String> timers = scheduler.timers();
        timers.put(TimerKey.of(T0.plusMillis(500), id), id.toString());

        scheduler.advance(Duration.ofMillis(600));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        assertThat(timers.get(TimerKey.of(T0.plusMillis(500), id))).isNull();
        scheduler.advance(Duration.ofMillis(400));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).hasSize(1);
    }

    @Test
    void aRunAtWithAFractionOfAMillisecondIsNotReleasedInTheMillisecondBefore() {
        scheduler.withPunctuateInterval(Duration.ofMillis(1));
        UUID id = UUID.randomUUID();
        scheduler.submit(id, "\"runAt\": \"2026-12-01T10:00:10.000500Z\"");
        scheduler.takeAll();

        scheduler.advance(Duration.ofSeconds(10));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).isEmpty();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(scheduler.takeDispatches(Priority.NORMAL)).singleElement()
                .satisfies(d -> assertThat(d.dispatchedAt()).isEqualTo(T0.plusMillis(10_001)));
    }
}
