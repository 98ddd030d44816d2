package io.taskstream.scheduler.schedules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.SchemaValidator;

/**
 * What the schedule processors share: the settings ({@code taskstream.scheduler.schedules.*} and the
 * tick's), the metrics, the schema validator and the parsed cron expressions (parsed once per distinct
 * expression and zone, in a bounded Caffeine cache shared by every stream thread: {@link CronSchedule}
 * is immutable).
 *
 * @param minInterval       a definition whose fire times are closer than this is refused (dead-lettered)
 * @param misfireThreshold  how late a fire time may be and still fire as late rather than misfired ({@link FirePlan})
 * @param lookahead         how far ahead of its fire time a schedule fires (its task waits for the fire time)
 * @param punctuateInterval how often due schedules are looked for
 * @param maxDuePerTick     at most this many due schedules per tick and stream task
 */
public record ScheduleRules(Duration minInterval, Duration misfireThreshold, Duration lookahead,
                            Duration punctuateInterval, int maxDuePerTick, SchedulerMetrics metrics,
                            SchemaValidator validator, Cache<String, CronSchedule> crons) {

    /** Distinct expressions (with their zone) kept parsed. */
    static final int MAX_CACHED = 10_000;

    public ScheduleRules {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(validator, "validator");
    }

    public ScheduleRules(Duration minInterval, Duration misfireThreshold, Duration lookahead,
                         Duration punctuateInterval, int maxDuePerTick, SchedulerMetrics metrics,
                         SchemaValidator validator) {
        this(minInterval, misfireThreshold, lookahead, punctuateInterval, maxDuePerTick, metrics, validator,
                Caffeine.newBuilder().maximumSize(MAX_CACHED).build());
    }

    /**
     * The definition's cron in its zone, held to the minimum interval; {@code now} (the stream's time)
     * is when "never fires again" is judged.
     *
     * @throws CronSchedule.InvalidCronException when the expression or the zone cannot be used
     */
    public CronSchedule cron(ScheduleDefinition definition, Instant now) {
        return crons.get(definition.timezone() + " " + definition.cron(), key -> CronSchedule.parse(definition.cron(),
                definition.timezone(), minInterval, Clock.fixed(now, ZoneOffset.UTC)));
    }
}
