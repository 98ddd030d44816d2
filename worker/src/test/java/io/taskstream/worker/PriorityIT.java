package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.worker.support.WorkerHarness;
import io.taskstream.worker.support.WorkerHarness.Seen;

/**
 * Priorities, minimum shares and ordering keys on a real broker: the worker's slots decide, the
 * PROCESSING events (stamped by the worker when a handler starts) and the results show it.
 */
class PriorityIT {

    private static final Logger LOG = LoggerFactory.getLogger(PriorityIT.class);

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(PriorityIT.class));
    final Clock clock = Clock.systemUTC(); // the worker stamps starts with the real clock; so does the test

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aCriticalTaskStartsWithinHalfASecondBehindFiftyThousandQueuedLowTasks() {
        harness.startWorker("it-priority-1");
        // 50,000 LOW tasks of 200 ms: 100 slots need 100 s for them, far longer than this test
        List<TaskDispatch> low = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            low.add(dispatch("sleep", Map.of("ms", 200), Priority.LOW, null));
        }
        harness.publishAll(low);
        harness.awaitSeen(s -> s.results().size() >= 100); // the LOW backlog fills every slot

        List<Long> startLatencies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TaskDispatch critical = dispatch("log", Map.of("try", i), Priority.CRITICAL, null);
            Instant sent = clock.instant();
            harness.publish(critical);
            Seen seen = harness.awaitSeen(s -> s.isProcessing(critical.taskId()));
            Instant started = seen.eventsOf(critical.taskId()).getFirst().execution().startedAt();
            startLatencies.add(Duration.between(sent, started).toMillis());
        }

        Collections.sort(startLatencies);
        long p95 = startLatencies.get(18); // the 19th of 20
        LOG.info("CRITICAL start latency behind 50,000 LOW (ms, sorted): {}", startLatencies);
        assertThat(p95).as("P95 start latency of a CRITICAL task (ms)").isLessThan(500);
        Seen seen = harness.awaitSeen(s -> true);
        assertThat(seen.results().stream().filter(r -> r.attempt() == 1).count())
                .as("the LOW backlog was still there").isLessThan(low.size());
    }

    @Test
    void lowTasksKeepTheirMinimumShareWhileHighTasksKeepComing() {
        harness.startWorker("it-priority-2", Map.of("taskstream.worker.slots", "10"));
        // warm up: both topics assigned and fetched before the measured flood
        TaskDispatch highWarmUp = dispatch("log", Map.of(), Priority.HIGH, null);
        TaskDispatch lowWarmUp = dispatch("log", Map.of(), Priority.LOW, null);
        harness.publishAll(List.of(highWarmUp, lowWarmUp));
        harness.awaitSeen(s -> s.hasResult(highWarmUp.taskId()) && s.hasResult(lowWarmUp.taskId()));
        List<TaskDispatch> high = new ArrayList<>();
        List<TaskDispatch> low = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            high.add(dispatch("sleep", Map.of("ms", 10), Priority.HIGH, null));
        }
        for (int i = 0; i < 500; i++) {
            low.add(dispatch("sleep", Map.of("ms", 10), Priority.LOW, null));
        }
        harness.publishAll(high);
        harness.publishAll(low);

        Seen seen = harness.awaitSeen(s -> s.results().size() >= 1_202);

        Set<UUID> lowIds = low.stream().map(TaskDispatch::taskId).collect(Collectors.toSet());
        Set<UUID> flood = new java.util.HashSet<>(lowIds);
        high.forEach(d -> flood.add(d.taskId()));
        List<AttemptResult> first = seen.results().stream().filter(r -> flood.contains(r.taskId()))
                .sorted(java.util.Comparator.comparing(AttemptResult::startedAt)).limit(1_000).toList();
        long lowRan = first.stream().filter(r -> lowIds.contains(r.taskId())).count();
        LOG.info("of the first 1,000 attempts, {} were LOW (minimum share 5 %)", lowRan);
        assertThat(lowRan).as("LOW attempts among the first 1,000 while HIGH waits").isBetween(40L, 200L);
    }

    @Test
    void tasksSharingAnOrderingKeyRunOneAtATimeInOrderWhileOtherKeysRunAlongside() {
        harness.startWorker("it-priority-3");
        List<TaskDispatch> account1 = new ArrayList<>();
        List<TaskDispatch> account2 = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            account1.add(dispatch("sleep", Map.of("ms", 30, "i", i), Priority.NORMAL, "account-1"));
            account2.add(dispatch("sleep", Map.of("ms", 30, "i", i), Priority.NORMAL, "account-2"));
        }
        List<TaskDispatch> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(account1.get(i));
            all.add(account2.get(i));
        }
        harness.publishAll(all);

        Seen seen = harness.awaitSeen(s -> all.stream().allMatch(d -> s.hasResult(d.taskId())));

        for (List<TaskDispatch> account : List.of(account1, account2)) {
            List<AttemptResult> results = account.stream().map(d -> seen.resultsOf(d.taskId()).getFirst()).toList();
            for (int i = 1; i < results.size(); i++) {
                assertThat(results.get(i).startedAt()).as("task %d of its key starts after task %d finished", i, i - 1)
                        .isAfterOrEqualTo(results.get(i - 1).finishedAt());
            }
        }
        // the two keys ran alongside: together they took about as long as one of them alone
        Instant firstStart = all.stream().map(d -> seen.resultsOf(d.taskId()).getFirst().startedAt())
                .min(Instant::compareTo).orElseThrow();
        Instant lastEnd = all.stream().map(d -> seen.resultsOf(d.taskId()).getFirst().finishedAt())
                .max(Instant::compareTo).orElseThrow();
        assertThat(Duration.between(firstStart, lastEnd)).as("40 tasks of 30 ms on two keys")
                .isLessThan(Duration.ofMillis(40 * 30));
        assertThat(seen.events()).extracting(TaskEvent::taskId).hasSize(40);
    }
}
