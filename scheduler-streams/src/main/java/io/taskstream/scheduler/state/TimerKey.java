package io.taskstream.scheduler.state;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the timer store: {@code due epoch millis (8 bytes, big-endian) | task id (16 bytes)}.
 * Byte order is time order (both RocksDB and the in-memory stores compare keys as unsigned
 * bytes), so the range {@code [start, upTo(now)]} holds exactly the tasks due by {@code now},
 * oldest first, and two tasks due in the same millisecond never collide. A time with a fraction
 * of a millisecond is rounded up (ticks run on millisecond time), so a task is never released
 * before its exact due time.
 */
public final class TimerKey {

    static final int LENGTH = Long.BYTES * 3;

    private TimerKey() {
    }

    public static Bytes of(Instant due, UUID taskId) {
        return Bytes.wrap(ByteBuffer.allocate(LENGTH)
                .putLong(Math.max(0, ceilingMillis(due)))
                .putLong(taskId.getMostSignificantBits())
                .putLong(taskId.getLeastSignificantBits())
                .array());
    }

    private static long ceilingMillis(Instant time) {
        long millis = time.toEpochMilli();
        return time.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }

    /** The smallest possible key. */
    public static Bytes start() {
        return Bytes.wrap(new byte[LENGTH]);
    }

    /** The largest key due at or before {@code now}. */
    public static Bytes upTo(Instant now) {
        return Bytes.wrap(ByteBuffer.allocate(LENGTH)
                .putLong(Math.max(0, now.toEpochMilli()))
                .putLong(-1L)
                .putLong(-1L)
                .array());
    }

    public static Instant due(Bytes key) {
        return Instant.ofEpochMilli(ByteBuffer.wrap(key.get()).getLong());
    }

    public static UUID taskId(Bytes key) {
        ByteBuffer buffer = ByteBuffer.wrap(key.get());
        buffer.getLong();
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
