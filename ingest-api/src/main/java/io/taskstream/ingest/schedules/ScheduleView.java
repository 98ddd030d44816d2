package io.taskstream.ingest.schedules;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import tools.jackson.databind.JsonNode;

/**
 * A schedule as the API shows it (CONTRACT.md §2, "Schedules").
 *
 * @param description a human-readable reading of {@code cron}, e.g. "at 02:00"
 * @param nextRuns    the next {@value #NEXT_RUNS} fire times, in the schedule's zone with its offset
 *                    ({@code 2027-03-28T03:00:00+02:00}); empty while the schedule is disabled
 * @param lastRunAt   when the schedule's newest task was created: when the scheduler fired it, or when
 *                    it was triggered; null before the first
 * @param lastTaskId  that task's id
 */
public record ScheduleView(
        UUID id,
        String tenantId,
        String name,
        String cron,
        String timezone,
        TaskTemplateView task,
        boolean enabled,
        MisfirePolicy misfirePolicy,
        Overlap overlap,
        String description,
        List<String> nextRuns,
        Instant lastRunAt,
        UUID lastTaskId,
        Instant createdAt,
        Instant updatedAt) {

    /** How many fire times {@code nextRuns} shows. */
    public static final int NEXT_RUNS = 5;

    /** ISO-8601 with the offset, seconds always written (RFC 3339), e.g. {@code 2027-03-28T03:00:00+02:00}. */
    static final DateTimeFormatter NEXT_RUN_FORMAT = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    public ScheduleView {
        nextRuns = List.copyOf(nextRuns);
    }

    /**
     * The view of {@code schedule}, with its fire times after {@code from}.
     *
     * @param cron the schedule's parsed expression; null when it can no longer be read (then there is no
     *             description and no fire time)
     */
    static ScheduleView of(Schedule schedule, CronSchedule cron, Instant from) {
        ScheduleDefinition d = schedule.definition();
        List<String> nextRuns = !d.enabled() || cron == null ? List.of()
                : format(cron.next(from, NEXT_RUNS), cron.zone());
        return new ScheduleView(d.scheduleId(), d.tenantId(), d.name(), d.cron(), d.timezone(),
                TaskTemplateView.of(d.task()), d.enabled(), d.misfirePolicy(), d.overlap(),
                cron == null ? null : cron.description(), nextRuns, schedule.lastRunAt(), schedule.lastTaskId(),
                schedule.createdAt(), d.updatedAt());
    }

    /** This view with another last run (a trigger's task, before any read could show it). */
    ScheduleView withLastRun(UUID taskId, Instant at) {
        return new ScheduleView(id, tenantId, name, cron, timezone, task, enabled, misfirePolicy, overlap, description,
                nextRuns, at, taskId, createdAt, updatedAt);
    }

    static List<String> format(List<Instant> instants, ZoneId zone) {
        return instants.stream().map(instant -> NEXT_RUN_FORMAT.format(instant.atZone(zone))).toList();
    }

    /**
     * The task each fire submits. Durations are ISO-8601 strings ({@code PT5M}); {@code backoff} shows only
     * the fields that were given (the others are the scheduler's defaults), and is null when none was.
     */
    public record TaskTemplateView(String type, JsonNode payload, Priority priority, Integer maxAttempts,
                                   String timeout, BackoffView backoff, Map<String, String> labels) {

        static TaskTemplateView of(ScheduleDefinition.TaskTemplate t) {
            return new TaskTemplateView(t.type(), t.payload(), t.priority(), t.maxAttempts(),
                    t.timeout() == null ? null : t.timeout().toString(), BackoffView.of(t.backoff()), t.labels());
        }
    }

    /** A task's retry backoff as given: absent fields are left out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackoffView(String initial, Double multiplier, String max, Double jitter) {

        static BackoffView of(Backoff b) {
            if (b == null) {
                return null;
            }
            return new BackoffView(b.initial() == null ? null : b.initial().toString(), b.multiplier(),
                    b.max() == null ? null : b.max().toString(), b.jitter());
        }
    }
}
