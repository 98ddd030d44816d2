package io.taskstream.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which fire times of the {@code schedules} scenario are measured. A new schedule fires first at its
 * cron's first fire time after its {@code updatedAt}; that first fire time ({@link #warmUp}) is not
 * measured — the scheduler may still be loading the definitions (it ends the partial minute in which they
 * were written) and it is the first fire on a cold path. The fire times in the {@code length} after it are.
 *
 * @param warmUp   the first fire time after the definitions were written: observed, not measured
 * @param measured the fire times after it, at most {@code length} later, oldest first
 */
record FireWindow(Instant warmUp, List<Instant> measured) {

    /** A fire of this many fire times per schedule at once (a cron of seconds) would not be a cron of minutes. */
    private static final int MAX_FIRE_TIMES = 10_000;

    FireWindow {
        measured = List.copyOf(measured);
        if (measured.isEmpty()) {
            throw new IllegalArgumentException("no fire time to measure");
        }
    }

    /**
     * The window of a cron ({@code nextAfter}: its first fire time strictly after an instant) for
     * schedules written at {@code writtenAt}.
     *
     * @throws IllegalArgumentException when the cron does not fire again within {@code length} of its first fire
     */
    static FireWindow of(Function<Instant, Optional<Instant>> nextAfter, Instant writtenAt, Duration length) {
        Instant first = nextAfter.apply(writtenAt).orElseThrow(
                () -> new IllegalArgumentException("the cron never fires after " + writtenAt));
        Instant end = first.plus(length);
        List<Instant> measured = new ArrayList<>();
        Optional<Instant> next = nextAfter.apply(first);
        while (next.isPresent() && !next.get().isAfter(end) && measured.size() < MAX_FIRE_TIMES) {
            measured.add(next.get());
            next = nextAfter.apply(next.get());
        }
        if (measured.isEmpty()) {
            throw new IllegalArgumentException("the cron does not fire within " + length.toMinutes()
                    + " minutes after its first fire time " + first + ": give more --minutes");
        }
        return new FireWindow(first, measured);
    }

    /** The last fire time measured. */
    Instant end() {
        return measured.getLast();
    }

    boolean isMeasured(Instant fireTime) {
        return measured.contains(fireTime);
    }
}
