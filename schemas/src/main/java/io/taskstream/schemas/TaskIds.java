package io.taskstream.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
}
