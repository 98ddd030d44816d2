package io.taskstream.scheduler.schedules;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Reads {@code schedule-runs}: a schedule's running task ended, so its overlap guard lets the next fire through. */
public final class ScheduleRunProcessor implements Processor<String, ScheduleRun, String, Object> {

    private ScheduleStore store;

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.store = ScheduleStore.of(context);
    }

    @Override
    public void process(Record<String, ScheduleRun> record) {
        ScheduleRun run = record.value();
        ScheduleState state = run == null ? null : store.get(run.scheduleKey());
        if (state != null && run.taskId().equals(state.runningTaskId())) {
            store.save(state, state.ended(run.taskId()));
        }
    }
}
