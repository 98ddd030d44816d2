package io.taskstream.scheduler.schedules;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.streams.processor.Punctuator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.scheduler.output.Outputs;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.TaskSubmission;

/**
 * The wall-clock tick of one stream task's schedules: each schedule due by now + the lookahead fires its
 * task(s) by the misfire rule ({@link FirePlan}) and waits for its next fire time. A task fired ahead
 * of its fire time is admitted {@code SCHEDULED} with its runAt = the fire time and waits in the timer
 * store, so the work of a burst (10,000 schedules at the same minute) is done before the minute and
 * only the release is left at it; it never starts before its fire time. A fired task is a
 * {@link TaskSubmission} on {@code submit.<priority>} whose id is derived from the schedule and the fire
 * time, so a fire repeated after a crash is a duplicate that admission drops; with
 * {@code exactly_once_v2} the fire and the schedule's new state commit together anyway. With
 * {@code overlap: SKIP_IF_RUNNING} a fire time is skipped (counted) while the schedule's last task has
 * not ended. A schedule whose firing throws (a bug) is logged, counted and moved to its next fire time.
 */
final class ScheduleTick implements Punctuator {

    static final String NAME = "schedule-tick";

    private static final Logger log = LoggerFactory.getLogger(ScheduleTick.class);

    private final ScheduleStore store;
    private final Outputs out;
    private final ScheduleRules rules;
    private final SchedulerMetrics metrics;

    ScheduleTick(ScheduleStore store, Outputs out, ScheduleRules rules) {
        this.store = store;
        this.out = out;
        this.rules = rules;
        this.metrics = rules.metrics();
        metrics.expectProcessors(List.of(NAME));
    }

    @Override
    public void punctuate(long wallClockMillis) {
        Instant now = Instant.ofEpochMilli(wallClockMillis);
        for (ScheduleState state : store.due(now.plus(rules.lookahead()), rules.maxDuePerTick())) {
            try {
                fire(state, now);
            } catch (RuntimeException e) {
                log.error("schedule {}: could not fire it at {}; moved to its next fire time", state.key(),
                        state.nextFireAt(), e);
                metrics.processingError(NAME);
                store.save(state, state.withNextFireAt(nextOrNone(state, now)));
            }
        }
    }

    private void fire(ScheduleState due, Instant now) {
        ScheduleDefinition definition = due.definition();
        CronSchedule cron = rules.cron(definition, now);
        FirePlan plan = FirePlan.of(cron, due.nextFireAt(), definition.misfirePolicy(), now,
                now.plus(rules.lookahead()), rules.misfireThreshold());
        if (plan.misfired()) {
            metrics.scheduleMisfired(definition.misfirePolicy().name());
        }
        ScheduleState state = due;
        for (Instant fireTime : plan.fires()) {
            if (definition.overlap() == Overlap.SKIP_IF_RUNNING && state.runningTaskId() != null) {
                log.info("schedule {}: fire time {} skipped, its task {} is still running", due.key(), fireTime,
                        state.runningTaskId());
                metrics.scheduleSkipped("overlap");
                continue;
            }
            TaskSubmission task = ScheduledTasks.submission(definition, fireTime, now);
            out.fire(task, now);
            metrics.scheduleFired(Duration.between(fireTime, now));
            state = state.fired(fireTime, task.id());
        }
        store.save(due, state.withNextFireAt(plan.nextFireAt().orElse(null)));
    }

    private Instant nextOrNone(ScheduleState state, Instant now) {
        try {
            return rules.cron(state.definition(), now).nextAfter(now).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
