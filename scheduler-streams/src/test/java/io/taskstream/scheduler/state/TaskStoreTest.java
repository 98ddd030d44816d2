package io.taskstream.scheduler.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;

/**
 * Where {@link TaskStore#due} starts its scans: never below a live entry it could miss for long. The
 * purge index stands for all three (the scan does not depend on the index); placeholders are the
 * simplest tasks that sit in it.
 */
class TaskStoreTest {

    private static final Instant T = Instant.parse("2027-03-01T10:00:00Z");
    private static final TaskStore.Index INDEX = TaskStore.Index.PURGES;

    private KeyValueStore<String, TaskState> tasks;
    private KeyValueStore<Bytes, String> timers;
    private KeyValueStore<Bytes, String> deadlines;
    private KeyValueStore<Bytes, String> purges;
    private TaskStore store;

    @BeforeEach
    void stores() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        tasks = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TaskStore.TASKS), Serdes.String(),
                JsonSerde.internal(TaskState.class)).withLoggingDisabled().build();
        timers = index(TaskStore.TIMERS);
        deadlines = index(TaskStore.DEADLINES);
        purges = index(TaskStore.PURGES);
        for (var s : List.of(tasks, timers, deadlines, purges)) {
            s.init(context.getStateStoreContext(), s);
        }
        store = new TaskStore(tasks, timers, deadlines, purges);
    }

    private static KeyValueStore<Bytes, String> index(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.String())
                .withLoggingDisabled().build();
    }

    /** A task that sits in the purge index at {@code at}, saved through {@code through}. */
    private static TaskState purgedAt(TaskStore through, Instant at) {
        TaskState state = TaskState.cancelledBeforeAdmission(UUID.randomUUID(), "acme", T, at);
        through.save(null, state);
        return state;
    }

    private List<UUID> due(Instant now) {
        return store.due(INDEX, now, 100).stream().map(TaskState::taskId).toList();
    }

    @Test
    void entriesWrittenAfterAScanAreFoundByTheNextOnesInDueOrder() {
        TaskState second = purgedAt(store, T.plusSeconds(2));
        assertThat(due(T)).isEmpty();
        TaskState first = purgedAt(store, T.plusMillis(500));
        TaskState third = purgedAt(store, T.plusSeconds(3));

        assertThat(due(T.plusSeconds(1))).containsExactly(first.taskId());
        store.delete(first);
        assertThat(due(T.plusSeconds(3))).containsExactly(second.taskId(), third.taskId());
    }

    @Test
    void whatAScanReturnsStaysFoundUntilItsTaskMovesAndABurstComesInTurns() {
        List<TaskState> burst = List.of(purgedAt(store, T), purgedAt(store, T.plusMillis(1)),
                purgedAt(store, T.plusMillis(2)));

        assertThat(store.due(INDEX, T.plusSeconds(1), 2)).extracting(TaskState::taskId)
                .containsExactly(burst.get(0).taskId(), burst.get(1).taskId());
        assertThat(store.due(INDEX, T.plusSeconds(1), 2)).as("not moved yet: the same two again")
                .extracting(TaskState::taskId).containsExactly(burst.get(0).taskId(), burst.get(1).taskId());
        store.delete(burst.get(0));
        store.save(burst.get(1), TaskState.cancelledBeforeAdmission(burst.get(1).taskId(), "acme", T,
                T.plusSeconds(5)));

        assertThat(due(T.plusSeconds(1))).containsExactly(burst.get(2).taskId());
        assertThat(due(T.plusSeconds(5))).containsExactly(burst.get(2).taskId(), burst.get(1).taskId());
    }

    @Test
    void anEntryThisStoreWritesBelowWhereTheNextScanStartsIsFoundAtOnce() {
        assertThat(due(T.plusSeconds(10))).isEmpty();
        // in the past of the last scan: only a clock that stepped back writes such an entry
        TaskState late = purgedAt(store, T.plusSeconds(5));

        assertThat(due(T.plusSeconds(10).plusMillis(100))).containsExactly(late.taskId());
    }

    @Test
    void anEntryAnotherStoreWritesBelowIsFoundByTheNextScanFromTheStart() {
        TaskStore other = new TaskStore(tasks, timers, deadlines, purges);
        assertThat(due(T)).isEmpty();
        assertThat(due(T.plusSeconds(1))).isEmpty();
        TaskState late = purgedAt(other, T.plusMillis(500));

        assertThat(due(T.plusSeconds(2))).as("below where this store's scans start now").isEmpty();
        assertThat(due(T.plus(TaskStore.FULL_SCAN_EVERY))).containsExactly(late.taskId());
    }

    @Test
    void aClockThatWentBackScansFromTheStart() {
        TaskStore other = new TaskStore(tasks, timers, deadlines, purges);
        assertThat(due(T.plusSeconds(5))).isEmpty();
        TaskState early = purgedAt(other, T.minusSeconds(1));

        assertThat(due(T.plusSeconds(4))).containsExactly(early.taskId());
    }

    @Test
    void aStaleEntryIsDroppedAndDoesNotHideTheEntriesAfterIt() {
        TaskState stale = purgedAt(store, T.plusMillis(100));
        TaskState live = purgedAt(store, T.plusMillis(200));
        tasks.put(stale.taskId().toString(),
                TaskState.cancelledBeforeAdmission(stale.taskId(), "acme", T, T.plus(Duration.ofHours(1))));

        assertThat(due(T.plusSeconds(1))).containsExactly(live.taskId());
        assertThat(purges.get(TimerKey.of(T.plusMillis(100), stale.taskId()))).as("dropped").isNull();
        assertThat(due(T.plusSeconds(1))).containsExactly(live.taskId());
    }

    /** A task in flight since {@code T} whose attempt is due back by {@code deadline}. */
    private TaskState inFlightUntil(Instant deadline) {
        TaskState placeholder = TaskState.reprioritizedBeforeAdmission(UUID.randomUUID(), "acme", Priority.HIGH, T,
                T.plus(Duration.ofDays(1)));
        TaskState inFlight = placeholder.dispatched(1, T, deadline);
        store.save(placeholder, inFlight);
        return inFlight;
    }

    @Test
    void anEndedAttemptsNearDeadlineStaysForTheTickWhichDropsItWithoutTimingTheTaskOut() {
        Instant deadline = T.plus(Duration.ofMinutes(5));
        TaskState inFlight = inFlightUntil(deadline);
        Bytes entry = TimerKey.of(deadline, inFlight.taskId());

        store.save(inFlight, inFlight.ended(TaskStatus.COMPLETED, 2, T.plusSeconds(1), T.plus(Duration.ofDays(1))));

        assertThat(deadlines.get(entry)).as("stale, not a tombstone ahead of the live deadlines").isNotNull();
        assertThat(store.due(TaskStore.Index.DEADLINES, deadline, 100)).as("not timed out").isEmpty();
        assertThat(deadlines.get(entry)).as("dropped by the tick").isNull();
    }

    @Test
    void anEndedAttemptsFarDeadlineIsDeletedAtOnceSoStaleEntriesStayBounded() {
        Instant deadline = T.plus(TaskStore.STALE_DEADLINE_HORIZON).plusSeconds(2);
        TaskState inFlight = inFlightUntil(deadline);

        store.save(inFlight, inFlight.ended(TaskStatus.COMPLETED, 2, T.plusSeconds(1), T.plus(Duration.ofDays(1))));

        assertThat(deadlines.get(TimerKey.of(deadline, inFlight.taskId()))).isNull();
    }

    @Test
    void aLiveDeadlineStillTimesItsAttemptOut() {
        Instant deadline = T.plus(Duration.ofMinutes(5));
        TaskState inFlight = inFlightUntil(deadline);

        assertThat(store.due(TaskStore.Index.DEADLINES, deadline.minusMillis(1), 100)).isEmpty();
        assertThat(store.due(TaskStore.Index.DEADLINES, deadline, 100)).containsExactly(inFlight);
    }

    @Test
    void staleEntriesDoNotCountAgainstTheTicksBudget() {
        TaskState ended = inFlightUntil(T.plusSeconds(60));
        store.save(ended, ended.ended(TaskStatus.COMPLETED, 2, T.plusSeconds(1), T.plus(Duration.ofDays(1))));
        TaskState first = inFlightUntil(T.plusSeconds(61));
        TaskState second = inFlightUntil(T.plusSeconds(62));

        assertThat(store.due(TaskStore.Index.DEADLINES, T.plusSeconds(70), 2)).containsExactly(first, second);
    }
}
