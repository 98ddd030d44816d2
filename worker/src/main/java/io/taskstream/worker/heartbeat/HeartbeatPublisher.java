package io.taskstream.worker.heartbeat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.WorkerHeartbeat;
import io.taskstream.worker.heartbeat.Ticker.Pacing;
import io.taskstream.worker.heartbeat.WorkerMeters.Totals;

/**
 * Tells the rest of the system that this worker is alive and how it is doing: every
 * {@code interval} it takes a {@link WorkerHeartbeat} — identity, slots busy and total, the attempts that
 * finished since the previous heartbeat by outcome, the stuck slots, whether the poll loop runs —
 * and writes it to the {@link HeartbeatStore} (Redis). The API lists workers from there
 * ({@code GET /api/v1/workers}) and judges their health; the worker itself does not.
 *
 * <h2>Where the numbers come from</h2>
 * Slots from the consumer's gauges ({@code taskstream.worker.slots}, {@code .slots.busy}); attempts
 * from the deltas of {@code taskstream.worker.tasks{outcome}} between two heartbeats that were
 * written (a heartbeat that could not be written leaves its attempts to the next one); stuck slots
 * are the attempts counted in {@code taskstream.worker.attempts.abandoned} within the last
 * {@code stuck-window}: their handlers ignored the interrupt at their timeout, and Java cannot stop
 * them, so each may still hold a thread (no signal tells when it finally ends).
 *
 * <h2>Failures never reach the worker</h2>
 * A write that fails (Redis down, slow, refusing commands) is counted in {@value #FAILURES_METRIC}
 * and logged as a warning once per outage (then at debug level until a write succeeds again). The
 * heartbeat thread is the publisher's own, so a slow Redis delays nothing else.
 *
 * <h2>Shutdown</h2>
 * A worker that stops cleanly removes its heartbeat, so the API stops listing it. One that dies
 * leaves its last heartbeat behind, which the API shows {@code UNHEALTHY} until it expires
 * ({@code retention}).
 *
 * <p>Tests step it with {@link #beat()}.
 */
public final class HeartbeatPublisher implements SmartLifecycle {

    /** Counts heartbeats (and shutdown removals) that could not be written. */
    public static final String FAILURES_METRIC = "taskstream.worker.heartbeat.failures";

    private static final Logger log = LoggerFactory.getLogger(HeartbeatPublisher.class);

    private final HeartbeatStore store;
    private final WorkerHeartbeat.Identity identity;
    private final HeartbeatProperties properties;
    private final WorkerMeters meters;
    private final BooleanSupplier consumerRunning;
    private final LongSupplier restarts;
    private final Clock clock;
    private final Counter failures;
    private final Ticker beats;

    // guarded by this: beat() runs on the heartbeat thread, or on a test's
    private Totals written = Totals.ZERO;
    private long abandonedSeen;
    private final ArrayDeque<Abandoned> recentlyAbandoned = new ArrayDeque<>();
    private boolean failing;
    private Instant lastWrittenAt;
    private boolean running;

    private volatile Instant startedAt;

    /**
     * @param store            where heartbeats go; {@code null} when the application has no Redis: then
     *                         none are written (said once at start-up)
     * @param consumerRunning  whether the poll loop runs now
     * @param restarts         how often the supervisor restarted the poll loop so far
     */
    public HeartbeatPublisher(HeartbeatStore store, WorkerHeartbeat.Identity identity, HeartbeatProperties properties,
                              MeterRegistry meters, BooleanSupplier consumerRunning, LongSupplier restarts,
                              Clock clock) {
        this.store = store;
        this.identity = Objects.requireNonNull(identity, "identity");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.meters = new WorkerMeters(meters);
        this.consumerRunning = Objects.requireNonNull(consumerRunning, "consumerRunning");
        this.restarts = Objects.requireNonNull(restarts, "restarts");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failures = Counter.builder(FAILURES_METRIC)
                .description("Worker heartbeats that could not be written to Redis")
                .register(meters);
        this.beats = new Ticker("taskstream-worker-heartbeat", Pacing.FIXED_RATE, Duration.ZERO,
                properties.interval(), Duration.ofSeconds(5), this::beat);
        this.startedAt = clock.instant();
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        startedAt = clock.instant();
        if (store == null) {
            log.info("Worker {} writes no heartbeats: this application has no Redis (StringRedisTemplate)",
                    identity.workerId());
            return;
        }
        beats.start(); // the first heartbeat at once
    }

    @Override
    public void stop() {
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
        }
        beats.stop(); // lets a beat in progress finish: it needs this publisher's lock
        remove();
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    private void remove() {
        if (store == null) {
            return;
        }
        try {
            store.remove(identity.workerId());
            log.info("Worker {} removed its heartbeat", identity.workerId());
        } catch (RuntimeException e) {
            failures.increment();
            log.warn("Worker {} could not remove its heartbeat; it is listed UNHEALTHY until it expires in {}: {}",
                    identity.workerId(), properties.retention(), describe(e));
        }
    }

    // ---- one heartbeat ---------------------------------------------------------------------

    /**
     * Takes a heartbeat and writes it; a failed write is counted and logged, never thrown.
     *
     * @return the heartbeat taken (written or not)
     */
    public synchronized WorkerHeartbeat beat() {
        Instant now = clock.instant();
        Totals totals = meters.totals();
        Totals interval = totals.minus(written);
        WorkerHeartbeat heartbeat = new WorkerHeartbeat(identity, startedAt, now, properties.interval(),
                meters.busy(), meters.slots(), consumerRunning.getAsBoolean(), interval.completed(), interval.failed(),
                interval.timedOut(), interval.cancelled(), stuck(now, totals.abandoned()), restarts.getAsLong());
        if (store == null) {
            return heartbeat;
        }
        try {
            store.write(heartbeat);
            written = totals;
            lastWrittenAt = now;
            if (failing) {
                failing = false;
                log.info("Worker {} writes heartbeats again", identity.workerId());
            }
        } catch (RuntimeException e) {
            failures.increment();
            if (!failing) {
                failing = true;
                log.warn("Worker {} could not write its heartbeat; it carries on, and tries again every {}"
                        + " ({} failed writes so far): {}", identity.workerId(), properties.interval(),
                        (long) failures.count(), describe(e));
            } else {
                log.debug("Worker {} could not write its heartbeat: {}", identity.workerId(), describe(e));
            }
        }
        return heartbeat;
    }

    /** Attempts abandoned within the stuck window before {@code now}, given the total abandoned so far. */
    private long stuck(Instant now, long abandonedTotal) {
        long added = abandonedTotal - abandonedSeen;
        abandonedSeen = abandonedTotal;
        if (added > 0) {
            recentlyAbandoned.addLast(new Abandoned(now, added));
        }
        Instant since = now.minus(properties.stuckWindow());
        while (!recentlyAbandoned.isEmpty() && !recentlyAbandoned.peekFirst().at().isAfter(since)) {
            recentlyAbandoned.removeFirst();
        }
        return recentlyAbandoned.stream().mapToLong(Abandoned::count).sum();
    }

    /** When the latest heartbeat was written; {@code null} before the first. */
    public synchronized Instant lastWrittenAt() {
        return lastWrittenAt;
    }

    /** Whether the latest write failed. */
    public synchronized boolean isFailing() {
        return failing;
    }

    /** Whether heartbeats are written at all (the application has Redis). */
    public boolean isEnabled() {
        return store != null;
    }

    public WorkerHeartbeat.Identity identity() {
        return identity;
    }

    private static String describe(RuntimeException e) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
        return cause == e ? e.toString() : e + " (" + cause + ")";
    }

    /** Attempts first seen abandoned at a heartbeat. */
    private record Abandoned(Instant at, long count) {
    }
}
