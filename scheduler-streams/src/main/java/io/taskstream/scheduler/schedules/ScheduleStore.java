package io.taskstream.scheduler.schedules;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import io.taskstream.schemas.JsonSerde;

/**
 * The schedules of one stream task (one partition of {@code schedules} and {@code schedule-runs}):
 * {@code schedule-state} (schedule key → {@link ScheduleState}) and {@code schedule-timers}, an index by
 * next fire time ({@code fire epoch millis, 8 bytes big-endian | schedule key, UTF-8} → schedule key) so
 * "which schedules are due?" is a range scan. Both are persistent and backed by changelog topics.
 *
 * <p>Every fire moves a schedule's index entry (delete + put), which leaves a RocksDB tombstone below
 * "now"; a scan from the smallest key would walk all of them (10,000 schedules firing every minute leave
 * 10,000 a minute until compaction). So, as in the task store, a scan starts where the last one ended
 * ({@code scanFrom}): entries are written for times after "now" except when a definition arrives with a
 * fire time already due, and such a write moves the start down. A scan from the smallest key runs every
 * {@link #FULL_SCAN_EVERY} and when the clock went back, in case anything was left below.
 */
public final class ScheduleStore {

    public static final String SCHEDULES = "schedule-state";
    public static final String TIMERS = "schedule-timers";

    static final Duration FULL_SCAN_EVERY = Duration.ofSeconds(10);

    private final KeyValueStore<String, ScheduleState> schedules;
    private final KeyValueStore<Bytes, String> timers;
    private Bytes scanFrom;
    private Instant lastFullScan;
    private Instant lastScan;

    public ScheduleStore(KeyValueStore<String, ScheduleState> schedules, KeyValueStore<Bytes, String> timers) {
        this.schedules = schedules;
        this.timers = timers;
    }

    public static ScheduleStore of(ProcessingContext context) {
        return new ScheduleStore(context.getStateStore(SCHEDULES), context.getStateStore(TIMERS));
    }

    public static List<StoreBuilder<?>> builders() {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SCHEDULES), Serdes.String(),
                        JsonSerde.internal(ScheduleState.class)),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMERS), Serdes.Bytes(), Serdes.String()));
    }

    public ScheduleState get(String key) {
        return schedules.get(key);
    }

    /** Stores {@code next} under its key and moves its index entry from {@code previous}'s fire time to its own. */
    public void save(ScheduleState previous, ScheduleState next) {
        Bytes old = previous == null ? null : timerKey(previous);
        Bytes now = timerKey(next);
        if (old != null && !old.equals(now)) {
            timers.delete(old);
        }
        if (now != null && !now.equals(old)) {
            timers.put(now, next.key());
            if (scanFrom != null && now.compareTo(scanFrom) < 0) {
                scanFrom = now;
            }
        }
        schedules.put(next.key(), next);
    }

    /** Forgets the schedule (a tombstone on {@code schedules}, or a definition the scheduler cannot use). */
    public void delete(ScheduleState previous) {
        Bytes old = timerKey(previous);
        if (old != null) {
            timers.delete(old);
        }
        schedules.delete(previous.key());
    }

    /**
     * Up to {@code max} schedules due at or before {@code now}, oldest fire time first. An index entry
     * whose schedule is gone or has moved on is dropped here.
     */
    public List<ScheduleState> due(Instant now, int max) {
        boolean full = scanFrom == null || lastFullScan == null || lastScan == null || now.isBefore(lastScan)
                || !now.isBefore(lastFullScan.plus(FULL_SCAN_EVERY));
        Bytes from = full ? start() : scanFrom;
        if (full) {
            lastFullScan = now;
        }
        lastScan = now;
        List<ScheduleState> due = new ArrayList<>();
        List<Bytes> stale = new ArrayList<>();
        Bytes last = null;
        try (KeyValueIterator<Bytes, String> range = timers.range(from, upTo(now))) {
            while (range.hasNext() && due.size() < max) {
                KeyValue<Bytes, String> entry = range.next();
                last = entry.key;
                ScheduleState state = schedules.get(entry.value);
                if (state != null && entry.key.equals(timerKey(state))) {
                    due.add(state);
                } else {
                    stale.add(entry.key);
                }
            }
        }
        stale.forEach(timers::delete);
        scanFrom = due.size() < max ? upTo(now) : last;
        return due;
    }

    static Bytes timerKey(ScheduleState state) {
        return state.nextFireAt() == null ? null : timerKey(state.nextFireAt(), state.key());
    }

    static Bytes timerKey(Instant fireAt, String key) {
        byte[] name = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + name.length)
                .putLong(Math.max(0, fireAt.toEpochMilli())).put(name).array());
    }

    private static Bytes start() {
        return Bytes.wrap(new byte[0]);
    }

    /** Above every key due at or before {@code now}: UTF-8 never contains the byte 0xFF. */
    private static Bytes upTo(Instant now) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + 1).putLong(Math.max(0, now.toEpochMilli()))
                .put((byte) 0xFF).array());
    }
}
