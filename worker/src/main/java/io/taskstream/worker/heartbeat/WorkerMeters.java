package io.taskstream.worker.heartbeat;

import java.util.Objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.worker.consumer.DispatchConsumer;

/**
 * Reads what the worker's other parts already measure, by meter name, so that heartbeats need no
 * hook in the poll loop or the executor: the slot gauges the consumer registers, the attempt
 * counters {@code TaskExecutor} increments. A meter not registered (yet) reads as 0.
 */
final class WorkerMeters {

    static final String SLOTS = DispatchConsumer.POOL_SIZE;
    static final String SLOTS_BUSY = DispatchConsumer.SLOTS_BUSY;
    static final String TASKS = "taskstream.worker.tasks";
    static final String ABANDONED = "taskstream.worker.attempts.abandoned";

    private final MeterRegistry meters;

    WorkerMeters(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    int slots() {
        return gauge(SLOTS);
    }

    int busy() {
        return gauge(SLOTS_BUSY);
    }

    /** Attempts finished since the worker started, by outcome, and attempts abandoned. */
    Totals totals() {
        long completed = 0;
        long failed = 0;
        long timedOut = 0;
        long cancelled = 0;
        for (Counter counter : meters.find(TASKS).counters()) {
            long count = (long) counter.count();
            switch (String.valueOf(counter.getId().getTag("outcome"))) {
                case "completed" -> completed += count;
                case "failed" -> failed += count;
                case "timed_out" -> timedOut += count;
                case "cancelled" -> cancelled += count;
                default -> {
                    // an outcome added later: not one the heartbeat reports
                }
            }
        }
        long abandoned = 0;
        for (Counter counter : meters.find(ABANDONED).counters()) {
            abandoned += (long) counter.count();
        }
        return new Totals(completed, failed, timedOut, cancelled, abandoned);
    }

    private int gauge(String name) {
        double sum = 0;
        for (Gauge gauge : meters.find(name).gauges()) {
            double value = gauge.value();
            sum += Double.isFinite(value) ? value : 0; // NaN once the measured object is gone
        }
        return (int) sum;
    }

    /** Cumulative counts; {@link #minus} gives those of an interval. */
    record Totals(long completed, long failed, long timedOut, long cancelled, long abandoned) {

        static final Totals ZERO = new Totals(0, 0, 0, 0, 0);

        Totals minus(Totals earlier) {
            return new Totals(completed - earlier.completed, failed - earlier.failed, timedOut - earlier.timedOut,
                    cancelled - earlier.cancelled, abandoned - earlier.abandoned);
        }
    }
}
