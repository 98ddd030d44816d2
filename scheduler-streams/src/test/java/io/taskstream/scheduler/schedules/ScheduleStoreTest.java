package io.taskstream.scheduler.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;

/** The schedule store's index: due schedules by fire time, stale entries dropped, where scans start. */
class ScheduleStoreTest {

    static final Instant T = Instant.parse("2027-01-04T10:00:00Z");

    KeyValueStore<String, ScheduleState> schedules;
    KeyValueStore<Bytes, String> timers;
    ScheduleStore store;

    @BeforeEach
    void stores() {
        MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        schedules = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScheduleStore.SCHEDULES),
                Serdes.String(), JsonSerde.internal(ScheduleState.class)).withLoggingDisabled().build();
        timers = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScheduleStore.TIMERS), Serdes.Bytes(),
                Serdes.String()).withLoggingDisabled().build();
        schedules.init(context.getStateStoreContext(), schedules);
        timers.init(context.getStateStoreContext(), timers);
        store = new ScheduleStore(schedules, timers);
    }

    @Test
    void dueSchedulesComeOldestFirstBoundedAndMovingOneMovesItsEntry() {
        ScheduleState a = state("a", T.plusSeconds(2));
        ScheduleState b = state("b", T.plusSeconds(1));
        ScheduleState c = state("c", T.plusSeconds(60));
        store.save(null, a);
        store.save(null, b);
        store.save(null, c);

        assertThat(store.due(T, 10)).isEmpty();
        assertThat(store.due(T.plusSeconds(5), 1)).extracting(ScheduleState::key).containsExactly(b.key());
        assertThat(store.due(T.plusSeconds(5), 10)).extracting(ScheduleState::key).containsExactly(b.key(), a.key());

        store.save(b, b.withNextFireAt(T.plusSeconds(120)));
        store.save(a, a.withNextFireAt(null));
        assertThat(timers.approximateNumEntries()).isEqualTo(2);
        assertThat(store.due(T.plusSeconds(90), 10)).extracting(ScheduleState::key).containsExactly(c.key());
        assertThat(store.get(a.key()).nextFireAt()).isNull();
    }

    @Test
    void aWriteBelowWhereScansStartIsStillFound() {
        store.save(null, state("a", T.plusSeconds(60)));
        assertThat(store.due(T.plusSeconds(30), 10)).isEmpty();
        // a definition arriving late, already due: below the last scan's end
        ScheduleState late = state("late", T.plusSeconds(10));
        store.save(null, late);
        assertThat(store.due(T.plusSeconds(31), 10)).extracting(ScheduleState::key).containsExactly(late.key());
    }

    @Test
    void entriesThatNoLongerMatchTheirScheduleAreDroppedAndDeletedSchedulesLeaveNone() {
        ScheduleState a = state("a", T.plusSeconds(1));
        store.save(null, a);
        timers.put(ScheduleStore.timerKey(T, "acme/ghost"), "acme/ghost");
        assertThat(store.due(T.plusSeconds(5), 10)).extracting(ScheduleState::key).containsExactly(a.key());
        assertThat(timers.get(ScheduleStore.timerKey(T, "acme/ghost"))).isNull();

        store.delete(a);
        assertThat(store.get(a.key())).isNull();
        assertThat(timers.approximateNumEntries()).isZero();
        store.delete(a.withNextFireAt(null));
    }

    @Test
    void aClockThatWentBackScansFromTheStart() {
        store.save(null, state("a", T.plusSeconds(100)));
        assertThat(store.due(T.plusSeconds(200), 10)).hasSize(1);
        ScheduleState b = state("b", T.plusSeconds(50));
        schedules.put(b.key(), b);
        timers.put(ScheduleStore.timerKey(b), b.key());   // written behind the store's back, below its start
        assertThat(store.due(T.plusSeconds(201), 10)).extracting(ScheduleState::key).doesNotContain(b.key());
        assertThat(store.due(T.plusSeconds(100), 10)).as("the clock went back").extracting(ScheduleState::key)
                .contains(b.key());
        assertThat(store.due(T.plusSeconds(100).plus(ScheduleStore.FULL_SCAN_EVERY), 10)).isNotEmpty();
    }

    static ScheduleState state(String name, Instant next) {
        ScheduleDefinition definition = new ScheduleDefinition(UUID.nameUUIDFromBytes(name.getBytes()), "acme", name,
                "* * * * *", "UTC", new ScheduleDefinition.TaskTemplate("log", Json.mapper().createObjectNode(),
                        Priority.NORMAL, null, null, null, Map.of()), true, null, null, T);
        return new ScheduleState(definition, next, null, null, null);
    }
}
