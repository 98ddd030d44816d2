package io.taskstream.ingest.admission;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.schemas.Priority;

/**
 * How many tasks wait for a worker, per priority: the <i>queue depth</i>, read in the background and
 * shared by every request.
 *
 * <h2>How it works</h2>
 * The depth of a priority is the consumer lag of the workers' group on {@code ready.<priority>}: the
 * sum over its partitions of the end offset minus the group's committed offset ({@link ConsumerLag},
 * Kafka's Admin API). It is global — every tenant's tasks share the ready topics — and counts what the
 * scheduler has dispatched and no worker has finished yet; tasks still waiting for their {@code runAt}
 * (in the scheduler's timer store) are not in it.
 * <p>
 * One thread reads all four depths every {@code interval} ({@code taskstream.ingest.queue-depth-refresh})
 * and publishes the result as an immutable {@link Snapshot}; {@link #current()} only returns the last
 * one, so a request never waits on Kafka, and there is never more than one reading in flight (the next
 * starts {@code interval} after the previous one ended, however long it took). Gauges
 * {@code queue_depth{priority}} ({@code priority} as in the topic names: {@code normal}) show the same
 * snapshot ({@code NaN} while unknown).
 *
 * <h2>When Kafka does not answer</h2>
 * A reading that fails makes the depth <i>unknown</i> (never the last known value, which could keep a
 * drained queue "full" for as long as the outage lasts); {@link QueueAdmission} then admits, and the
 * submission itself fails fast if Kafka is really gone. The failure is logged when it starts, at most
 * once every {@link #FAILURE_LOG_INTERVAL} while it lasts, and when it ends.
 */
public final class QueueDepths implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueueDepths.class);

    /** The least time between two log lines about the same ongoing failure. */
    static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);

    /** {@code queue_depth{priority}}: the depths as gauges. */
    public static final String METRIC = "queue.depth";

    /** Reads every priority's depth now; may block (bounded by its own timeouts) and throw. */
    @FunctionalInterface
    public interface Source {
        Map<Priority, Long> read() throws Exception;
    }

    /**
     * The depths as last read, and when ({@code observedAt}); {@link #UNKNOWN} before the first reading
     * and after a failed one.
     */
    public record Snapshot(Map<Priority, Long> depths, Instant observedAt) {

        public static final Snapshot UNKNOWN = new Snapshot(Map.of(), null);

        public Snapshot {
            depths = depths.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(depths));
        }

        public boolean known() {
            return observedAt != null;
        }

        /** The depth of {@code priority}, empty when unknown. */
        public OptionalLong depth(Priority priority) {
            Long depth = depths.get(priority);
            return depth == null ? OptionalLong.empty() : OptionalLong.of(depth);
        }
    }

    private final Source source;
    private final Duration interval;
    private final Clock clock;
    /** The one thread that calls {@link #refresh()} in production; the failure-log fields below are its own. */
    private final ScheduledExecutorService loop;

    private volatile Snapshot current = Snapshot.UNKNOWN;
    private Instant failingSince;
    private Instant lastFailureLogged;

    public QueueDepths(Source source, Duration interval, Clock clock, MeterRegistry meters) {
        this.source = source;
        this.interval = interval;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "taskstream-queue-depths");
            thread.setDaemon(true);
            return thread;
        });
        for (Priority priority : Priority.values()) {
            Gauge.builder(METRIC, this, q -> {
                        OptionalLong depth = q.current().depth(priority);
                        return depth.isPresent() ? depth.getAsLong() : Double.NaN;
                    })
                    .description("Tasks waiting for a worker: the workers' consumer lag on the ready topic")
                    .tag("priority", priority.topicSuffix())
                    .register(meters);
        }
    }

    /** Starts reading in the background, the first time at once. */
    public void start() {
        loop.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The depths as last read; never waits. */
    public Snapshot current() {
        return current;
    }

    /**
     * Reads the depths once and publishes them (or {@link Snapshot#UNKNOWN} if the reading fails). What
     * the background loop runs each time; tests call it to take one step. Never throws.
     */
    public synchronized void refresh() {
        try {
            Map<Priority, Long> depths = source.read();
            current = new Snapshot(depths, clock.instant());
            if (failingSince != null) {
                log.info("queue depths are known again (unknown since {})", failingSince);
                failingSince = null;
                lastFailureLogged = null;
            }
        } catch (InterruptedException e) {
            // shutting down: nothing worth logging
            Thread.currentThread().interrupt();
            current = Snapshot.UNKNOWN;
        } catch (Exception e) {
            current = Snapshot.UNKNOWN;
            failed(e);
        }
    }

    private void failed(Exception e) {
        Instant now = clock.instant();
        if (failingSince == null) {
            failingSince = now;
        }
        if (lastFailureLogged == null || !now.isBefore(lastFailureLogged.plus(FAILURE_LOG_INTERVAL))) {
            lastFailureLogged = now;
            log.warn("queue depths cannot be read from Kafka (since {}): new tasks are admitted without admission "
                    + "control until they can; {}", failingSince, e.toString());
        }
    }

    /** Whether the last reading failed and when that started; for tests and diagnostics. */
    synchronized Instant failingSince() {
        return failingSince;
    }

    @Override
    public void close() throws Exception {
        loop.shutdownNow();
        loop.awaitTermination(5, TimeUnit.SECONDS);
        if (source instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
