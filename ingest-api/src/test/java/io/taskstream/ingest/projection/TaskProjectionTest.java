package io.taskstream.ingest.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;

class TaskProjectionTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private final TaskEvents a = TaskEvents.of(UUID.randomUUID(), "acme", T0);
    private final TaskEvents b = TaskEvents.of(UUID.randomUUID(), "acme", T0);

    @Test
    void eventsOfOneTaskGoInSuccessiveRoundsInVersionOrder() {
        List<TaskEvent> batch = List.of(a.completed(3, 1), b.admitted(), a.admitted(), a.processing(2, 1));

        List<List<ProjectedTask>> rounds = TaskProjection.rounds(batch);

        assertThat(rounds).hasSize(3);
        assertThat(rounds.get(0)).extracting(ProjectedTask::id, ProjectedTask::version)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(a.taskId(), 1L),
                        org.assertj.core.groups.Tuple.tuple(b.taskId(), 1L));
        assertThat(rounds.get(1)).extracting(ProjectedTask::version).containsExactly(2L);
        assertThat(rounds.get(2)).extracting(ProjectedTask::status).containsExactly(TaskStatus.COMPLETED);
    }

    @Test
    void noRoundTouchesATaskTwice() {
        List<TaskEvent> batch = List.of(a.admitted(), a.admitted(), a.processing(2, 1), b.admitted());

        for (List<ProjectedTask> round : TaskProjection.rounds(batch)) {
            assertThat(round).extracting(ProjectedTask::id).doesNotHaveDuplicates();
        }
    }

    @Test
    void anIdempotencyKeyClaimedTwiceInARoundStaysWithTheFirstTask() {
        TaskEvent claim = new TaskEvent(b.taskId(), "acme", 1, TaskStatus.QUEUED, T0, "a", null, 0, null, null, T0,
                null, null, null, "idem-" + a.taskId(), null, null, null, null);
        TaskEvent otherTenant = new TaskEvent(UUID.randomUUID(), "globex", 1, TaskStatus.QUEUED, T0, "a", null, 0,
                null, null, T0, null, null, null, "idem-" + a.taskId(), null, null, null, null);

        List<ProjectedTask> round = TaskProjection.rounds(List.of(a.admitted(), claim, otherTenant)).getFirst();

        assertThat(round).filteredOn(row -> row.id().equals(a.taskId())).extracting(ProjectedTask::idempotencyKey)
                .containsExactly("idem-" + a.taskId());
        assertThat(round).filteredOn(row -> row.id().equals(b.taskId())).extracting(ProjectedTask::idempotencyKey)
                .containsOnlyNulls();
        assertThat(round).filteredOn(row -> row.id().equals(otherTenant.taskId()))
                .extracting(ProjectedTask::idempotencyKey).containsExactly("idem-" + a.taskId());
    }

    @Test
    void everyRoundWritesItsTasksInIdOrderWhateverTheEventOrder() {
        List<TaskEvents> tasks = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> TaskEvents.of(UUID.randomUUID(), "acme", T0)).toList();
        List<TaskEvent> batch = new java.util.ArrayList<>();
        tasks.forEach(task -> batch.add(task.processing(2, 1)));
        tasks.reversed().forEach(task -> batch.add(task.admitted()));

        List<List<ProjectedTask>> rounds = TaskProjection.rounds(batch);

        assertThat(rounds).hasSize(2).allSatisfy(round -> assertThat(round).hasSize(20)
                .isSortedAccordingTo(TaskProjection.LOCK_ORDER));
    }

    @Test
    void anAttemptSeenTwiceInABatchIsOneRowWithBothFacts() {
        List<ProjectedExecution> executions = TaskProjection.executions(
                List.of(a.completed(3, 1), a.processing(2, 1), a.admitted()));

        assertThat(executions).singleElement().satisfies(x -> {
            assertThat(x.attempt()).isEqualTo(1);
            assertThat(x.workerId()).isEqualTo("worker-1");
            assertThat(x.startedAt()).isEqualTo(a.startOf(1));
            assertThat(x.finishedAt()).isEqualTo(a.startOf(1).plusSeconds(2));
            assertThat(x.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
            assertThat(x.durationMs()).isEqualTo(2000L);
        });
    }

    @Test
    void separateAttemptsAreSeparateRows() {
        List<ProjectedExecution> executions = TaskProjection.executions(List.of(a.processing(2, 1),
                a.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED), a.processing(5, 2), a.completed(6, 2)));

        assertThat(executions).extracting(ProjectedExecution::attempt, ProjectedExecution::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, AttemptOutcome.FAILED),
                        org.assertj.core.groups.Tuple.tuple(2, AttemptOutcome.COMPLETED));
    }

    @Test
    void processingEventStartsTheTaskAndTerminalEventFinishesIt() {
        ProjectedTask processing = ProjectedTask.of(a.processing(2, 1));
        ProjectedTask completed = ProjectedTask.of(a.completed(3, 1));
        ProjectedTask admitted = ProjectedTask.of(a.admitted());

        assertThat(processing.startedAt()).isEqualTo(a.startOf(1));
        assertThat(processing.finishedAt()).isNull();
        assertThat(completed.finishedAt()).isEqualTo(a.startOf(1).plusSeconds(2));
        assertThat(admitted.startedAt()).isNull();
        assertThat(admitted.finishedAt()).isNull();
        assertThat(admitted.createdAt()).isEqualTo(T0);
    }

    @Test
    void eventsWithoutDetailsFallBackToTheirOwnTime() {
        Instant at = T0.plusSeconds(99);
        ProjectedTask cancelled = ProjectedTask.of(
                TaskEvent.statusChange(a.taskId(), "acme", 4, TaskStatus.CANCELLED, at, 1));
        ProjectedTask processing = ProjectedTask.of(
                TaskEvent.statusChange(a.taskId(), "acme", 2, TaskStatus.PROCESSING, at, 1));

        assertThat(cancelled.finishedAt()).isEqualTo(at);
        assertThat(cancelled.createdAt()).as("placeholder until the admission event").isEqualTo(at);
        assertThat(processing.startedAt()).isEqualTo(at);
        assertThat(ProjectedExecution.of(TaskEvent.statusChange(a.taskId(), "acme", 2, TaskStatus.PROCESSING, at, 1)))
                .isNull();
    }

    @Test
    void aProgressEventContributesItsReportAndTakesARoundOfItsOwn() {
        TaskEvent progress = a.progress(2, 1, 40, "page 4 of 10", java.time.Duration.ofSeconds(5));

        List<List<ProjectedTask>> rounds = TaskProjection.rounds(List.of(a.admitted(), a.processing(2, 1), progress,
                a.completed(3, 1)));

        assertThat(rounds).hasSize(4);
        ProjectedTask reported = rounds.get(2).getFirst();
        assertThat(reported.progressPercent()).isEqualTo(40);
        assertThat(reported.progressMessage()).isEqualTo("page 4 of 10");
        assertThat(reported.progressAt()).isEqualTo(a.startOf(1).plusSeconds(5));
        assertThat(reported.startedAt()).as("the attempt's start, not the report's").isEqualTo(a.startOf(1));
        ProjectedTask processing = rounds.get(1).getFirst();
        assertThat(processing.progressPercent()).isNull();
        assertThat(processing.progressMessage()).isNull();
        assertThat(processing.progressAt()).isNull();
        assertThat(TaskProjection.executions(List.of(a.processing(2, 1), progress))).singleElement()
                .satisfies(x -> assertThat(x.startedAt()).isEqualTo(a.startOf(1)));
    }
}
