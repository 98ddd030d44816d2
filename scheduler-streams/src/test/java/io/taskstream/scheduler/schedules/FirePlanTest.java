package io.taskstream.scheduler.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;

/** The misfire rule, on its own: late fire times fire, misfired ones by the policy. */
class FirePlanTest {

    static final Instant T = Instant.parse("2027-01-04T10:00:00Z");
    static final Duration THRESHOLD = Duration.ofMinutes(1);
    final CronSchedule everyMinute = CronSchedule.parse("* * * * *", "UTC", Duration.ofMinutes(1));

    @Test
    void aDueFireTimeWithinTheThresholdFiresAndTheNextIsTheFollowingOne() {
        FirePlan plan = FirePlan.of(everyMinute, T, MisfirePolicy.SKIP, T.plusSeconds(59), T.plusSeconds(59), THRESHOLD);
        assertThat(plan.fires()).containsExactly(T);
        assertThat(plan.misfired()).isFalse();
        assertThat(plan.nextFireAt()).contains(T.plusSeconds(60));
    }

    @Test
    void lateFireTimesAllFireButAtMostAHundredATime() {
        CronSchedule everySecond = CronSchedule.parse("* * * * * ?", "UTC", Duration.ofSeconds(1));
        FirePlan plan = FirePlan.of(everySecond, T, MisfirePolicy.FIRE_ONCE, T.plusSeconds(3), T.plusSeconds(3), THRESHOLD);
        assertThat(plan.fires()).containsExactly(T, T.plusSeconds(1), T.plusSeconds(2), T.plusSeconds(3));
        assertThat(plan.nextFireAt()).contains(T.plusSeconds(4));

        FirePlan capped = FirePlan.of(everySecond, T, MisfirePolicy.FIRE_ONCE, T.plusSeconds(59), T.plusSeconds(59), THRESHOLD);
        assertThat(capped.fires()).hasSize(FirePlan.MAX_LATE_FIRES - 40).first().isEqualTo(T);
        FirePlan wide = FirePlan.of(everySecond, T, MisfirePolicy.FIRE_ONCE, T.plusSeconds(150),
                T.plusSeconds(150), Duration.ofMinutes(5));
        assertThat(wide.fires()).hasSize(FirePlan.MAX_LATE_FIRES);
        assertThat(wide.nextFireAt()).as("the rest on the next tick").contains(T.plusSeconds(100));
    }

    @Test
    void fireTimesWithinTheLookaheadFireAhead() {
        FirePlan plan = FirePlan.of(everyMinute, T, MisfirePolicy.SKIP, T.minusSeconds(2), T, THRESHOLD);
        assertThat(plan.fires()).containsExactly(T);
        assertThat(plan.nextFireAt()).contains(T.plusSeconds(60));
    }

    @Test
    void aMisfireFiresOnceAtTheLatestDueFireTimeOrNotAtAll() {
        Instant now = T.plus(Duration.ofHours(3)).plusSeconds(30);
        FirePlan once = FirePlan.of(everyMinute, T, MisfirePolicy.FIRE_ONCE, now, now, THRESHOLD);
        assertThat(once.fires()).containsExactly(T.plus(Duration.ofHours(3)));
        assertThat(once.misfired()).isTrue();
        assertThat(once.nextFireAt()).contains(T.plus(Duration.ofHours(3)).plusSeconds(60));

        FirePlan skip = FirePlan.of(everyMinute, T, MisfirePolicy.SKIP, now, now, THRESHOLD);
        assertThat(skip.fires()).isEmpty();
        assertThat(skip.misfired()).isTrue();
        assertThat(skip.nextFireAt()).isEqualTo(once.nextFireAt());
    }

    @Test
    void aCronThatNeverFiresAgainHasNoNextFireTime() {
        CronSchedule once = CronSchedule.parse("0 0 12 4 1 ? 2027", "UTC", Duration.ofMinutes(1),
                java.time.Clock.fixed(T.minusSeconds(60), java.time.ZoneOffset.UTC));
        FirePlan plan = FirePlan.of(once, T.plus(Duration.ofHours(2)), MisfirePolicy.FIRE_ONCE,
                T.plus(Duration.ofHours(2)), T.plus(Duration.ofHours(2)), THRESHOLD);
        assertThat(plan.fires()).containsExactly(T.plus(Duration.ofHours(2)));
        assertThat(plan.nextFireAt()).isEqualTo(Optional.empty());
    }
}
