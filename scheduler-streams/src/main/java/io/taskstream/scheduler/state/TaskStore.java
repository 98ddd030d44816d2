package io.taskstream.scheduler.state;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 *
 * <h2>Tombstones, and where a scan starts</h2>
 * RocksDB keeps a deleted key as a tombstone until compaction reaches it, and a scan walks over every
 * tombstone between where it starts and the first live entry — even past the end of its range, which
 * the store's iterator does not tell RocksDB. At 1,000 tasks/s run at once, the deadlines deleted when
 * attempts ended (each ≈ timeout + grace ahead) made the tick a sixth of the whole JVM's time, growing
 * to a third as older ones piled up below "now". Two rules keep scans short:
 * <ul>
 *   <li><b>An ended attempt's deadline stays</b> when it is due within {@link #STALE_DEADLINE_HORIZON}
 *       of the change: a live but stale entry, which the tick drops when it comes due (as it drops
 *       any entry that no longer matches its task) — below "now", where scans no longer start.
 *       Farther deadlines (long timeouts) are deleted at once, so stale entries stay bounded.</li>
 *   <li><b>A scan starts where the last one found its first live entry</b> ({@code scanFrom}; where
 *       it stopped when it found only stale ones, the end of its range when it found none), not at the
 *       smallest key. That skips no live entry: every entry
 *       is written at a time after its writer's now ({@link TaskState#timerAt} only for a due time
 *       still to come, deadlines and purges at now + a positive duration), and a scan moves the start
 *       only up to the time it ran, so later writes land above it. What could still land below — the
 *       wall clock stepping back, another {@code TaskStore} over the same stores writing an entry in
 *       the past — is found by a scan from the smallest key every {@link #FULL_SCAN_EVERY} and
 *       whenever the clock went back; a write through this {@code TaskStore} below the start moves
 *       the start down at once. The start lives in memory only: a restarted or reassigned task scans
 *       from the smallest key first.</li>
 * </ul>
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

    /** How often a scan starts from the smallest key whatever it remembers (see the class comment). */
    static final Duration FULL_SCAN_EVERY = Duration.ofSeconds(10);

    /** An ended attempt's deadline due within this of the change is left for the tick to drop (class comment). */
    static final Duration STALE_DEADLINE_HORIZON = Duration.ofMinutes(10);

    private final KeyValueStore<String, TaskState> tasks;
    private final List<KeyValueStore<Bytes, String>> indexes;
    /** Per index: where the next scan starts (null: from the smallest key), and when one last did. */
    private final Map<Index, Bytes> scanFrom = new EnumMap<>(Index.class);
    private final Map<Index, Instant> lastFullScan = new EnumMap<>(Index.class);

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
     * index entries: out of the indexes {@code previous} was in, into those {@code next} is in — except
     * an ended attempt's near deadline, which stays for the tick to drop (see the class comment).
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
            if (before != null && !leftForTheTick(index, before, next)) {
                store.delete(before);
            }
            if (after != null) {
                store.put(after, next.taskId().toString());
                Bytes from = scanFrom.get(index);
                if (from != null && after.compareTo(from) < 0) {
                    scanFrom.put(index, after);
                }
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

    /** Whether an entry that {@code next} no longer has stays, stale, until the tick drops it. */
    private static boolean leftForTheTick(Index index, Bytes entry, TaskState next) {
        if (index != Index.DEADLINES || next.updatedAt() == null) {
            return false;
        }
        Instant due = TimerKey.due(entry);
        return due.isAfter(next.updatedAt()) && due.isBefore(next.updatedAt().plus(STALE_DEADLINE_HORIZON));
    }

    /**
     * Up to {@code max} tasks whose entry in {@code index} is due at or before {@code now}, oldest
     * first. Their entries stay until the caller saves the task's next state (which moves them);
     * an entry whose task no longer matches it (changed, deleted, an ended attempt's deadline) is
     * dropped here and not counted — at most {@code max} of them per call, deleted after the scan so
     * that the iterator never sees its own deletes.
     */
    public List<TaskState> due(Index index, Instant now, int max) {
        KeyValueStore<Bytes, String> store = store(index);
        Bytes upTo = TimerKey.upTo(now);
        Bytes from = scanFrom.get(index);
        Instant lastFull = lastFullScan.get(index);
        if (from == null || from.compareTo(upTo) > 0 || lastFull == null || now.isBefore(lastFull)
                || !now.isBefore(lastFull.plus(FULL_SCAN_EVERY))) {
            from = TimerKey.start();
            lastFullScan.put(index, now);
        }
        List<TaskState> due = new ArrayList<>();
        List<Bytes> stale = new ArrayList<>();
        Bytes firstLive = null;
        Bytes last = null;
        boolean exhausted = false;
        try (KeyValueIterator<Bytes, String> it = store.range(from, upTo)) {
            while (due.size() < max && stale.size() < max) {
                if (!it.hasNext()) {
                    exhausted = true;
                    break;
                }
                last = it.next().key;
                TaskState state = get(TimerKey.taskId(last));
                if (last.equals(index.keyOf(state))) {
                    firstLive = firstLive == null ? last : firstLive;
                    due.add(state);
                } else {
                    stale.add(last);
                }
            }
        }
        stale.forEach(store::delete); // after the scan: an iterator never sees its own deletes
        // below the first live entry only stale ones were (now deleted); the live ones stay (or move up)
        // until the caller saves their tasks
        scanFrom.put(index, firstLive != null ? firstLive : exhausted ? upTo : last);
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
