package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskProgress;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;

/** A handler's progress reaches {@code events} on a real broker, as the projection will read it. */
class ProgressIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(ProgressIT.class));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aRunningHandlersProgressIsPublishedAsProcessingEventsOfItsAttempt() {
        harness.startWorker("it-progress-1");
        // report.generate reports progress after every 100 ms slice; the context lets one a second through
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "report.generate", Map.of("ms", 1_500), 1, 4, 6);

        harness.publish(dispatch);
        Seen seen = harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));

        List<TaskEvent> events = seen.eventsOf(dispatch.taskId());
        TaskEvent started = events.getFirst();
        assertThat(started.progress()).as("the PROCESSING event comes first, without progress").isNull();
        List<TaskEvent> progress = events.subList(1, events.size());
        assertThat(progress).hasSizeGreaterThanOrEqualTo(2).allSatisfy(event -> {
            assertThat(event.status()).isEqualTo(TaskStatus.PROCESSING);
            assertThat(event.version()).as("the version reserved for PROCESSING").isEqualTo(6);
            assertThat(event.attempts()).isEqualTo(1);
            assertThat(event.execution()).isEqualTo(started.execution());
            assertThat(event.occurredAt()).isEqualTo(event.progress().at());
            assertThat(event.progress().message()).startsWith("generated ").endsWith(" of 1500 ms");
        });
        List<TaskProgress> reports = progress.stream().map(TaskEvent::progress).toList();
        assertThat(reports).extracting(TaskProgress::percent).isSorted().allSatisfy(p -> assertThat(p).isBetween(1, 100));
        for (int i = 1; i < reports.size(); i++) {
            assertThat(reports.get(i).at()).as("at most one report a second")
                    .isAfterOrEqualTo(reports.get(i - 1).at().plus(io.taskstream.worker.handler.TaskContext.PROGRESS_INTERVAL));
        }
        assertThat(seen.resultsOf(dispatch.taskId())).singleElement()
                .satisfies(result -> assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED));
    }
}
