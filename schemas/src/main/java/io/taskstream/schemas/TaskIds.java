package io.taskstream.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.random.RandomGenerator;

/** Task ids: time-ordered UUIDv7 for new tasks, name-based ids where an id must be reproducible. */
public final class TaskIds {

    private TaskIds() {
    }

    /** A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds from {@code clock}, then random bits. */
    public static UUID newId(Clock clock, RandomGenerator random) {
        long millis = clock.millis();
        long msb = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /**
     * A deterministic id for {@code name} (the same name always gives the same id), e.g. for a
     * directly produced record without an id, named by its topic, partition and offset.
     */
    public static UUID nameBased(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The id of the task a schedule fires for {@code fireTime}: a UUIDv7 whose time is the fire time
     * and whose other bits come from a SHA-256 of the schedule's key ({@code <tenantId>/<scheduleId>})
     * and the fire time. The same fire of the same schedule always gets the same id, so a fire
     * repeated after a failover, restart or replay is a duplicate the scheduler drops.
     */
    public static UUID scheduled(String scheduleKey, Instant fireTime) {
        byte[] hash = sha256(scheduleKey + "@" + fireTime);
        ByteBuffer bits = ByteBuffer.wrap(hash);
        long msb = (fireTime.toEpochMilli() << 16) | 0x7000L | (bits.getLong() & 0x0FFFL);
        long lsb = (bits.getLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
