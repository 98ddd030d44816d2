package io.taskstream.scheduler.schedules;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;

/**
 * Which fire times a due schedule fires now, and when it is due next: the misfire rule (Quartz's).
 * <ul>
 *   <li>When the schedule's next fire time is at most {@code misfireThreshold} old, its fire times up
 *       to {@code horizon} (now + the lookahead) fire, each: those past are only <b>late</b> (a slow tick,
 *       a rebalance, a short restart); at most {@link #MAX_LATE_FIRES} at a time.</li>
 *   <li>Older means the scheduler was down or the schedule's partition had no owner: a <b>misfire</b>.
 *       {@code FIRE_ONCE} fires one task for all the fire times due, at the latest of them;
 *       {@code SKIP} fires none.</li>
 *   <li>Either way the schedule then goes on at its next fire time after now (fired at once when it is
 *       within the lookahead).</li>
 * </ul>
 *
 * @param fires      the fire times to fire, oldest first
 * @param misfired   whether the schedule's next fire time was older than the threshold
 * @param nextFireAt the next fire time to wait for; empty when the cron never fires again
 */
public record FirePlan(List<Instant> fires, boolean misfired, Optional<Instant> nextFireAt) {

    /** At most this many late fire times of one schedule fire in one tick; the rest on the next. */
    static final int MAX_LATE_FIRES = 100;

    public static FirePlan of(CronSchedule cron, Instant due, MisfirePolicy policy, Instant now, Instant horizon,
                              Duration misfireThreshold) {
        if (due.isBefore(now.minus(misfireThreshold))) {
            List<Instant> fires = policy == MisfirePolicy.FIRE_ONCE
                    ? List.of(cron.latestBetween(due.minusNanos(1), now).orElse(due)) : List.of();
            return new FirePlan(fires, true, cron.nextAfter(now));
        }
        List<Instant> fires = new ArrayList<>();
        Instant fire = due;
        while (fire != null && !fire.isAfter(horizon) && fires.size() < MAX_LATE_FIRES) {
            fires.add(fire);
            fire = cron.nextAfter(fire).orElse(null);
        }
        return new FirePlan(fires, false, Optional.ofNullable(fire));
    }
}
