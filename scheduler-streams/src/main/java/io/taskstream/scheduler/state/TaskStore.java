package io.taskstream.scheduler.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import io.taskstream.schemas.JsonSerde;

/**
 * The scheduler's state for the tasks of one stream task (one partition of the co-partitioned
 * input topics): {@code task-state} (task id → {@link TaskState}) and three time indexes
 * ({@link TimerKey} → task id) that turn "what is due?" into a range scan instead of a full scan:
 * <ul>
 *   <li>{@code task-timers}: waiting tasks by due time (delays, retry backoff);</li>
 *   <li>{@code task-deadlines}: in-flight attempts by deadline (the visibility timeout);</li>
 *   <li>{@code task-purges}: finished tasks by the end of their dedup window.</li>
 * </ul>
 * All four are persistent (RocksDB) and backed by changelog topics, so a crash or a rebalance
 * loses nothing. The indexes are derived from the task state: {@link #save} moves a task's entries
 * along with every change, and {@link #due} drops any entry that no longer matches its task.
 */
public final class TaskStore {

    public static final String TASKS = "task-state";
    public static final String TIMERS = "task-timers";
    public static final String DEADLINES = "task-deadlines";
    public static final String PURGES = "task-purges";

    /** The three time indexes, each with the rule that places a task in it (null: not in it). */
    public enum Index {
        TIMERS(TaskStore.TIMERS, TaskState::timerAt),
        DEADLINES(TaskStore.DEADLINES, TaskState::deadlineAt),
        PURGES(TaskStore.PURGES, TaskState::purgeAt);

        private final String storeName;
        private final Function<TaskState, Instant> at;

        Index(String storeName, Function<TaskState, Instant> at) {
            this.storeName = storeName;
            this.at = at;
        }

        public String storeName() {
            return storeName;
        }

        /** The key of {@code state} in this index, or null when it is not in it. */
        Bytes keyOf(TaskState state) {
            Instant time = state == null ? null : at.apply(state);
            return time == null ? null : TimerKey.of(time, state.taskId());
        }
    }

    private final KeyValueStore<String, TaskState> tasks;
    private final List<KeyValueStore<Bytes, String>> indexes;

    public TaskStore(KeyValueStore<String, TaskState> tasks, KeyValueStore<Bytes, String> timers,
                     KeyValueStore<Bytes, String> deadlines, KeyValueStore<Bytes, String> purges) {
        this.tasks = tasks;
        this.indexes = List.of(timers, deadlines, purges);
    }

    /** The stores of the processor that {@code context} belongs to (connected to all of them). */
    public static TaskStore of(ProcessingContext context) {
        return new TaskStore(context.getStateStore(TASKS), context.getStateStore(TIMERS),
                context.getStateStore(DEADLINES), context.getStateStore(PURGES));
    }

    /** Builders for the stores, to add to the topology once. */
    public static List<StoreBuilder<?>> builders() {
        List<StoreBuilder<?>> builders = new ArrayList<>();
        builders.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TASKS), Serdes.String(),
                JsonSerde.internal(TaskState.class)));
        for (Index index : Index.values()) {
            builders.add(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(index.storeName()),
                    Serdes.Bytes(), Serdes.String()));
        }
        return builders;
    }

    public TaskState get(UUID taskId) {
        return tasks.get(taskId.toString());
    }

    /**
     * Stores {@code next} (which replaces {@code previous}, null for a new task) and moves its
     * index entries: out of the indexes {@code previous} was in, into those {@code next} is in.
     */
    public void save(TaskState previous, TaskState next) {
        if (previous != null && !previous.taskId().equals(next.taskId())) {
            throw new IllegalArgumentException("save replaces a task's state by the same task's");
        }
        tasks.put(next.taskId().toString(), next);
        for (Index index : Index.values()) {
            Bytes before = index.keyOf(previous);
            Bytes after = index.keyOf(next);
            if (Objects.equals(before, after)) {
                continue;
            }
            KeyValueStore<Bytes, String> store = store(index);
            if (before != null) {
                store.delete(before);
            }
            if (after != null) {
                store.put(after, next.taskId().toString());
            }
        }
    }

    /** Deletes a task's state and its index entries (the end of its dedup window). */
    public void delete(TaskState state) {
        tasks.delete(state.taskId().toString());
        for (Index index : Index.values()) {
            Bytes key = index.keyOf(state);
            if (key != null) {
                store(index).delete(key);
            }
        }
    }

    /**
     * Up to {@code max} tasks whose entry in {@code index} is due at or before {@code now}, oldest
     * first. Their entries stay until the caller saves the task's next state (which moves them);
     * an entry whose task no longer matches it (changed, deleted) is dropped here and not counted.
     * The keys are read before anything is deleted, so the iterator never sees its own deletes.
     */
    public List<TaskState> due(Index index, Instant now, int max) {
        KeyValueStore<Bytes, String> store = store(index);
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = store.range(TimerKey.start(), TimerKey.upTo(now))) {
            while (it.hasNext() && keys.size() < max) {
                keys.add(it.next().key);
            }
        }
        List<TaskState> due = new ArrayList<>(keys.size());
        for (Bytes key : keys) {
            TaskState state = get(TimerKey.taskId(key));
            if (key.equals(index.keyOf(state))) {
                due.add(state);
            } else {
                store.delete(key);
            }
        }
        return due;
    }

    /** Drops {@code state}'s entry from {@code index} (a task that could not be handled must not come back every tick). */
    public void forget(Index index, TaskState state) {
        Bytes key = index.keyOf(state);
        if (key != null) {
            store(index).delete(key);
        }
    }

    private KeyValueStore<Bytes, String> store(Index index) {
        return indexes.get(index.ordinal());
    }
}
