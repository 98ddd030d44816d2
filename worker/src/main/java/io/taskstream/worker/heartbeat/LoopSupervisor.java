package io.taskstream.worker.heartbeat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.worker.heartbeat.Ticker.Pacing;

/**
 * The worker's own supervisor: every {@code checkInterval} it looks at each {@link Supervised}
 * loop and restarts one that
 * <ul>
 *   <li>is not alive — its thread died (an {@code Error}, an interrupt) — or</li>
 *   <li>made no progress for {@code stallTimeout} (its thread hangs).</li>
 * </ul>
 * A restart is logged, counted in {@value #RESTARTS_METRIC}{@code {loop}}, and gives the loop a
 * full {@code stallTimeout} before the next one: a loop that dies at once again is restarted at
 * most once per {@code stallTimeout}, not in a tight loop. A restart that throws is tried again
 * after the same pause.
 *
 * <h2>What it leaves alone</h2>
 * A loop it has never seen alive (not started yet), and every loop once the application context
 * closes (it stops checking at {@link ContextClosedEvent}, before any bean is stopped), so that it
 * never fights a deliberate shutdown.
 *
 * <h2>When restarting does not help</h2>
 * A loop that needs a restart again after {@value #WEDGED_AFTER_RESTARTS} restarts in a row brought
 * it no progress (they threw, or every fresh loop hung or died again) is <em>wedged</em>: only a new
 * process can help. {@link LoopsHealthIndicator} then takes the liveness group {@code DOWN}, and the
 * orchestrator restarts the worker. The supervisor keeps trying; the loop's next progress ends it.
 *
 * <p>{@link #status()} never waits for a check: a restart may hold the supervisor for up to
 * {@code shutdownTimeout} + 10 s, and health probes must answer meanwhile.
 *
 * <p>Tests step it with {@link #check()}.
 */
public final class LoopSupervisor implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {

    /** Counts restarts, tagged {@code loop}. */
    public static final String RESTARTS_METRIC = "taskstream.worker.loop.restarts";

    /** Restarts in a row without progress after which a loop that needs another one counts as wedged. */
    public static final int WEDGED_AFTER_RESTARTS = 3;

    private static final Logger log = LoggerFactory.getLogger(LoopSupervisor.class);

    private final List<Watch> watches = new ArrayList<>();
    private final Duration stallTimeout;
    private final Clock clock;
    private final Ticker checks;

    private volatile boolean closing;

    public LoopSupervisor(List<? extends Supervised> loops, Duration stallTimeout, Duration checkInterval,
                          Clock clock, MeterRegistry meters) {
        this.stallTimeout = Objects.requireNonNull(stallTimeout, "stallTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        // a restart in progress finishes first when stopping: the loop is then stopped by its own lifecycle
        this.checks = new Ticker("taskstream-worker-supervisor", Pacing.FIXED_DELAY,
                Objects.requireNonNull(checkInterval, "checkInterval"), checkInterval,
                Duration.ofMinutes(1), this::check);
        for (Supervised loop : loops) {
            watches.add(new Watch(loop, Counter.builder(RESTARTS_METRIC)
                    .description("Times the worker's supervisor restarted a loop that died or hung")
                    .tag("loop", loop.name())
                    .register(meters)));
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Override
    public void start() {
        if (watches.isEmpty()) {
            return;
        }
        closing = false;
        checks.start();
    }

    @Override
    public void stop() {
        closing = true;
        checks.stop();
    }

    @Override
    public boolean isRunning() {
        return checks.isRunning();
    }

    /** Stops checking before the context stops any bean, whatever the phases. */
    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        closing = true;
    }

    // ---- one look at every loop ------------------------------------------------------------

    /**
     * Looks at every loop once and restarts those that died or hang (see the class comment).
     *
     * @return how many loops it restarted (or tried to)
     */
    public synchronized int check() {
        int restarted = 0;
        for (Watch watch : watches) {
            if (!closing && watch.check(clock.instant())) {
                restarted++;
            }
        }
        return restarted;
    }

    /** Each loop as the latest check saw it; does not wait for a check (or a restart) in progress. */
    public List<LoopStatus> status() {
        Instant now = clock.instant();
        return watches.stream().map(w -> w.status(now)).toList();
    }

    /** Restarts of every loop so far. */
    public long restarts() {
        return watches.stream().mapToLong(w -> w.seen.restarts()).sum();
    }

    /**
     * One loop's state.
     *
     * @param alive           whether its thread runs now
     * @param lastProgressAt  when the supervisor last saw it progress (or restarted it)
     * @param stalled         alive but without progress for {@code stallTimeout}
     * @param restarts        restarts so far
     * @param wedged          it needed a restart again after {@value #WEDGED_AFTER_RESTARTS} restarts in a
     *                        row brought no progress, and has not progressed since
     */
    public record LoopStatus(String name, boolean alive, Instant lastProgressAt, boolean stalled, long restarts,
                             boolean wedged) {
    }

    /** What {@link #status()} reads of a loop without the supervisor's lock; replaced, never changed. */
    private record Seen(Instant lastProgressAt, long restarts, boolean wedged) {
    }

    /** What the supervisor remembers of one loop; guarded by the supervisor, except {@link #seen}. */
    private final class Watch {

        private final Supervised loop;
        private final Counter restartCounter;
        private boolean seenAlive;
        private long progress;
        private Instant lastProgressAt;
        /** No restart before this: the pause after the latest one. */
        private Instant quietUntil = Instant.MIN;
        private long restarts;
        private int restartsWithoutProgress;
        private boolean wedged;
        private volatile Seen seen = new Seen(null, 0, false);

        Watch(Supervised loop, Counter restartCounter) {
            this.loop = loop;
            this.restartCounter = restartCounter;
        }

        /** @return whether it restarted the loop (or tried to) */
        boolean check(Instant now) {
            boolean alive = loop.isAlive();
            long current = loop.progress();
            if (!seenAlive) {
                if (alive) {
                    seenAlive = true;
                    progress = current;
                    lastProgressAt = now;
                    publish();
                }
                return false; // not started yet
            }
            if (current != progress) {
                progress = current;
                lastProgressAt = now;
                restartsWithoutProgress = 0;
                wedged = false;
                publish();
            }
            String problem = !alive ? "its thread is not running"
                    : stalled(now) ? "it made no progress for " + Duration.between(lastProgressAt, now)
                    : null;
            if (problem == null || now.isBefore(quietUntil)) {
                return false;
            }
            if (restartsWithoutProgress >= WEDGED_AFTER_RESTARTS && !wedged) {
                wedged = true;
                log.error("{} is wedged: {} restarts in a row brought no progress; the worker needs a restart",
                        loop.name(), restartsWithoutProgress);
            }
            restarts++;
            restartsWithoutProgress++;
            publish();
            restartCounter.increment();
            log.warn("Restarting {}: {} (restart {})", loop.name(), problem, restarts);
            try {
                loop.restart();
                log.info("Restarted {}", loop.name());
            } catch (RuntimeException e) {
                log.error("Could not restart {}; trying again in {}", loop.name(), stallTimeout, e);
            }
            progress = loop.progress();
            lastProgressAt = now;
            quietUntil = now.plus(stallTimeout);
            publish();
            return true;
        }

        private void publish() {
            seen = new Seen(lastProgressAt, restarts, wedged);
        }

        private boolean stalled(Instant now) {
            return stalled(lastProgressAt, now);
        }

        private boolean stalled(Instant since, Instant now) {
            return !now.isBefore(since.plus(stallTimeout));
        }

        LoopStatus status(Instant now) {
            Seen latest = seen;
            boolean alive = loop.isAlive();
            boolean stalled = alive && latest.lastProgressAt() != null && stalled(latest.lastProgressAt(), now);
            return new LoopStatus(loop.name(), alive, latest.lastProgressAt(), stalled, latest.restarts(),
                    latest.wedged());
        }
    }
}
