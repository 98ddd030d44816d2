package io.taskstream.scheduler.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;

import org.apache.kafka.streams.processor.Punctuator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;

/**
 * The wall-clock tick of one stream task (every {@code punctuate-interval}). Each tick does three
 * range scans over the time indexes of {@link TaskStore}, each bounded by {@code maxPerTick}
 * entries so a burst (a million tasks due in the same second) never stalls the stream thread; what
 * is left over goes first on the next tick:
 * <ol>
 *   <li><b>due timers</b>: waiting tasks whose due time came are {@code QUEUED} and dispatched;</li>
 *   <li><b>deadlines</b>: in-flight attempts whose deadline (dispatch + timeout + grace) came are
 *       {@code TIMED_OUT} and follow the retry policy;</li>
 *   <li><b>purges</b>: finished tasks whose dedup window ended are deleted.</li>
 * </ol>
 * "Came" includes the exact millisecond: a task due at {@code t} is released by a tick at {@code t}.
 * A task whose handling throws (a bug, corrupt state) is logged, counted
 * ({@code scheduler_processing_errors_total{processor="tick"}}) and dropped from that index, so it
 * cannot fail every later tick; the other tasks of the tick go on.
 */
public final class Tick implements Punctuator {

    public static final String NAME = "tick";

    private static final Logger log = LoggerFactory.getLogger(Tick.class);

    private final TaskStore store;
    private final TaskLifecycle lifecycle;
    private final SchedulerMetrics metrics;
    private final int maxPerTick;

    public Tick(TaskStore store, TaskLifecycle lifecycle, SchedulerMetrics metrics, int maxPerTick) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        metrics.expectProcessors(List.of(NAME));
        this.maxPerTick = maxPerTick;
    }

    @Override
    public void punctuate(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        sweep(TaskStore.Index.TIMERS, now, lifecycle::release);
        sweep(TaskStore.Index.DEADLINES, now, lifecycle::timedOut);
        sweep(TaskStore.Index.PURGES, now, (state, at) -> lifecycle.purge(state));
    }

    private void sweep(TaskStore.Index index, Instant now, BiConsumer<TaskState, Instant> action) {
        for (TaskState state : store.due(index, now, maxPerTick)) {
            try {
                action.accept(state, now);
            } catch (RuntimeException e) {
                log.error("tick: could not handle task {} due in {}; dropped from that index", state.taskId(),
                        index.storeName(), e);
                metrics.processingError(NAME);
                store.forget(index, state);
            }
        }
    }
}
