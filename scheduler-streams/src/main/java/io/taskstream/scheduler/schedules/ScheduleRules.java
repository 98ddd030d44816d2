package io.taskstream.scheduler.schedules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.SchemaValidator;

/**
 * What the schedule processors share: the settings ({@code taskstream.scheduler.schedules.*} and the
 * tick's), the metrics, the schema validator and the parsed cron expressions (parsed once per distinct
 * expression and zone, for every stream thread: {@link CronSchedule} is immutable).
 *
 * @param minInterval       a definition whose fire times are closer than this is refused (dead-lettered)
 * @param misfireThreshold  how late a fire time may be and still fire as late rather than misfired ({@link FirePlan})
 * @param lookahead         how far ahead of its fire time a schedule fires (its task waits for the fire time)
 * @param punctuateInterval how often due schedules are looked for
 * @param maxDuePerTick     at most this many due schedules per tick and stream task
 */
public record ScheduleRules(Duration minInterval, Duration misfireThreshold, Duration lookahead,
                            Duration punctuateInterval, int maxDuePerTick, SchedulerMetrics metrics,
                            SchemaValidator validator, Map<String, CronSchedule> crons) {

    /** Beyond this many distinct expressions the cache starts over (it is only a cache). */
    static final int MAX_CACHED = 10_000;

    public ScheduleRules {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(validator, "validator");
    }

    public ScheduleRules(Duration minInterval, Duration misfireThreshold, Duration lookahead,
                         Duration punctuateInterval, int maxDuePerTick, SchedulerMetrics metrics,
                         SchemaValidator validator) {
        this(minInterval, misfireThreshold, lookahead, punctuateInterval, maxDuePerTick, metrics, validator,
                new ConcurrentHashMap<>());
    }

    /**
     * The definition's cron in its zone, held to the minimum interval; {@code now} (the stream's time)
     * is when "never fires again" is judged.
     *
     * @throws CronSchedule.InvalidCronException when the expression or the zone cannot be used
     */
    public CronSchedule cron(ScheduleDefinition definition, Instant now) {
        String key = definition.timezone() + " " + definition.cron();
        CronSchedule cron = crons.get(key);
        if (cron == null) {
            cron = CronSchedule.parse(definition.cron(), definition.timezone(), minInterval,
                    Clock.fixed(now, ZoneOffset.UTC));
            if (crons.size() >= MAX_CACHED) {
                crons.clear();
            }
            crons.put(key, cron);
        }
        return cron;
    }
}
