package io.taskstream.scheduler.state;

import io.taskstream.schemas.JsonSerde;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The scheduler's state for the tasks of one stream task (one partition of the co-partitioned
 * input topics): the {@code task-state} store (task id → {@link TaskState}) and the
 * {@code task-timers} store ({@link TimerKey} → task id) that makes "which tasks are due?" a
 * range scan instead of a full scan. Both are persistent (RocksDB) and backed by changelog
 * topics, so a crash or a rebalance loses nothing.
 */
public final class TaskStore {

    public static final String TASKS = "task-state";
    public static final String TIMERS = "task-timers";

    private final KeyValueStore<String, TaskState> tasks;
    private final KeyValueStore<Bytes, String> timers;

    public TaskStore(KeyValueStore<String, TaskState> tasks, KeyValueStore<Bytes, String> timers) {
        this.tasks = tasks;
        this.timers = timers;
    }

    /** The stores of the processor that {@code context} belongs to (connected to both). */
    public static TaskStore of(ProcessingContext context) {
        return new TaskStore(context.getStateStore(TASKS), context.getStateStore(TIMERS));
    }

    /** Builders for the two stores, to add to the topology once. */
    public static List<StoreBuilder<?>> builders() {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TASKS), Serdes.String(),
                        JsonSerde.internal(TaskState.class)),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMERS), Serdes.Bytes(), Serdes.String()));
    }

    public TaskState get(UUID taskId) {
        return tasks.get(taskId.toString());
    }

    public boolean contains(UUID taskId) {
        return get(taskId) != null;
    }

    public void put(TaskState state) {
        tasks.put(state.taskId().toString(), state);
    }

    /** Remembers that {@code taskId} becomes due at {@code due}. */
    public void scheduleAt(Instant due, UUID taskId) {
        timers.put(TimerKey.of(due, taskId), taskId.toString());
    }

    /**
     * Removes and returns up to {@code max} timers due at or before {@code now}, oldest first.
     * The entries are collected before deleting, so the iterator never sees its own deletes.
     */
    public List<UUID> takeDue(Instant now, int max) {
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = timers.range(TimerKey.start(), TimerKey.upTo(now))) {
            while (it.hasNext() && due.size() < max) {
                KeyValue<Bytes, String> next = it.next();
                due.add(next.key);
            }
        }
        List<UUID> ids = new ArrayList<>(due.size());
        for (Bytes key : due) {
            timers.delete(key);
            ids.add(TimerKey.taskId(key));
        }
        return ids;
    }
}
