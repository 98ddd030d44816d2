package io.taskstream.scheduler.dispatch;

import java.time.Instant;
import java.util.UUID;

import org.apache.kafka.streams.processor.Punctuator;

import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.TaskStatus;

/**
 * The wall-clock tick that releases delayed tasks: it takes the timers due by now (a range scan,
 * at most {@code maxPerTick} per tick so a burst of due tasks never stalls the stream thread; the
 * rest are taken on the next tick) and dispatches each task still {@code SCHEDULED}.
 * A timer whose task moved on (later: cancelled, re-scheduled) is simply dropped.
 */
public final class DuePunctuator implements Punctuator {

    private final TaskStore store;
    private final Dispatcher dispatcher;
    private final Outputs out;
    private final int maxPerTick;

    public DuePunctuator(TaskStore store, Dispatcher dispatcher, Outputs out, int maxPerTick) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.out = out;
        this.maxPerTick = maxPerTick;
    }

    @Override
    public void punctuate(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        for (UUID taskId : store.takeDue(now, maxPerTick)) {
            TaskState state = store.get(taskId);
            if (state != null && state.status() == TaskStatus.SCHEDULED && !state.dueAt().isAfter(now)) {
                store.put(dispatcher.queueAndDispatch(state, now, out));
            }
        }
    }
}
