package io.taskstream.scheduler.topology;

import static io.taskstream.scheduler.topology.SchedulerDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.schedules.ScheduleDefinitionProcessor;
import io.taskstream.scheduler.schedules.ScheduleState;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.WireCodec;

/**
 * Cron schedules in the topology, on a fake wall clock: each fire time fires one task (id derived from
 * the schedule and the fire time) which admission queues like any other; daylight saving, misfires
 * after an outage, the overlap guard, pause, edit, delete, and definitions that cannot be used.
 */
class ScheduleTest {

    /** Most specs fire at the fire time itself (lookahead 0), so the moment of the fire is exact. */
    static final SchedulerProperties.ScheduleSettings AT_THE_FIRE_TIME = new SchedulerProperties.ScheduleSettings(
            null, null, Duration.ZERO);

    @RegisterExtension
    final SchedulerDriver scheduler = new SchedulerDriver().withSchedules(AT_THE_FIRE_TIME);

    private final UUID scheduleId = UUID.randomUUID();

    @Test
    void eachFireTimeFiresOneTaskThatIsQueuedLikeAnyOther() {
        ScheduleDefinition definition = definition("*/5 * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);

        scheduler.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertThat(scheduler.takeFired(Priority.LOW)).as("before 10:05").isEmpty();

        scheduler.advance(Duration.ofSeconds(1));
        List<TaskSubmission> fired = scheduler.takeFired(Priority.LOW);
        Instant fireTime = Instant.parse("2026-12-01T10:05:00Z");
        assertThat(fired).singleElement().satisfies(task -> {
            assertThat(task.id()).isEqualTo(TaskIds.scheduled(definition.key(), fireTime));
            assertThat(task.tenantId()).isEqualTo("acme");
            assertThat(task.type()).isEqualTo("report.generate");
            assertThat(task.payload().get("ms").asInt()).isEqualTo(5);
            assertThat(task.priority()).isEqualTo(Priority.LOW);
            assertThat(task.scheduleId()).isEqualTo(scheduleId);
            assertThat(task.runAt()).isEqualTo(fireTime);
            assertThat(task.createdAt()).isEqualTo(fireTime);
            assertThat(task.labels()).containsEntry("team", "billing");
        });
        assertThat(scheduler.takeEvents()).singleElement().satisfies(event -> {
            assertThat(event.status()).isEqualTo(TaskStatus.QUEUED);
            assertThat(event.scheduleId()).isEqualTo(scheduleId);
        });
        assertThat(scheduler.takeDispatches(Priority.LOW)).extracting(TaskDispatch::taskId)
                .containsExactly(fired.getFirst().id());

        scheduler.advance(Duration.ofMinutes(5));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(Instant.parse("2026-12-01T10:10:00Z"));
        ScheduleState state = scheduler.schedules().get(definition.key());
        assertThat(state.lastFireAt()).isEqualTo(Instant.parse("2026-12-01T10:10:00Z"));
        assertThat(state.nextFireAt()).isEqualTo(Instant.parse("2026-12-01T10:15:00Z"));
        assertThat(scheduler.registry.get("scheduler.schedule.fires").counter().count()).isEqualTo(2);
    }

    @Test
    void withALookaheadTheTaskIsFiredAheadAndWaitsForItsFireTime() {
        SchedulerDriver ahead = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(100))
                .withSchedules(new SchedulerProperties.ScheduleSettings(null, null, Duration.ofSeconds(2)));
        try (ahead) {
            ahead.schedule(new ScheduleDefinition(scheduleId, "acme", "report", "*/5 * * * *", "UTC", template(), true,
                    MisfirePolicy.FIRE_ONCE, Overlap.ALLOW, T0));
            Instant fireTime = T0.plus(Duration.ofMinutes(5));
            ahead.advance(Duration.between(T0, fireTime.minusSeconds(2)).minusMillis(100));
            assertThat(ahead.takeFired(Priority.LOW)).as("more than 2 s ahead").isEmpty();

            ahead.advance(Duration.ofMillis(100));
            assertThat(ahead.takeFired(Priority.LOW)).singleElement().satisfies(task -> {
                assertThat(task.runAt()).isEqualTo(fireTime);
                assertThat(task.createdAt()).isEqualTo(fireTime.minusSeconds(2));
            });
            assertThat(ahead.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.SCHEDULED);

            ahead.advance(Duration.ofMillis(1_900));
            assertThat(ahead.takeDispatches(Priority.LOW)).as("100 ms before the fire time").isEmpty();
            ahead.advance(Duration.ofMillis(100));
            assertThat(ahead.takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
            assertThat(ahead.takeDispatches(Priority.LOW)).singleElement()
                    .satisfies(dispatch -> assertThat(dispatch.dispatchedAt()).isEqualTo(fireTime));
        }
    }

    @Test
    void aFireRepeatedOrARepeatedDefinitionNeverMakesASecondTask() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        List<TestRecord<String, byte[]>> fired = scheduler.submitOutput(Priority.LOW).readRecordsToList();
        assertThat(fired).hasSize(1);
        scheduler.takeAll();

        // a replayed fire (the same record again, as after a crash before the commit) is a duplicate
        scheduler.submit(Priority.LOW, fired.getFirst().key(), fired.getFirst().value(), new org.apache.kafka.common
                .header.internals.RecordHeaders());
        assertThat(scheduler.takeEvents()).isEmpty();
        assertThat(scheduler.count("scheduler.duplicate.submissions")).isEqualTo(1);

        // the same definition again (a re-publish) keeps the schedule's times: nothing fires twice
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofMinutes(2)));
    }

    /**
     * Across the daylight-saving days of 2027, in 30-minute steps over six days around each: one task per
     * local day, never two, none skipped; a local time that does not exist fires at the end of the gap
     * (03:00 local), one that occurs twice fires at its first occurrence.
     */
    @ParameterizedTest(name = "{0} {1} around {2}")
    @CsvSource({
            "0 2 * * *,  Europe/Berlin,    2027-03-28, 2027-03-28T01:00:00Z",
            "30 2 * * *, Europe/Berlin,    2027-03-28, 2027-03-28T01:00:00Z",
            "0 2 * * *,  Europe/Berlin,    2027-10-31, 2027-10-31T00:00:00Z",
            "30 2 * * *, Europe/Berlin,    2027-10-31, 2027-10-31T00:30:00Z",
            "0 2 * * *,  America/New_York, 2027-03-14, 2027-03-14T07:00:00Z",
            "30 2 * * *, America/New_York, 2027-03-14, 2027-03-14T07:00:00Z",
            "0 2 * * *,  America/New_York, 2027-11-07, 2027-11-07T07:00:00Z",
            "30 2 * * *, America/New_York, 2027-11-07, 2027-11-07T07:30:00Z"})
    void daylightSavingDaysFireOnceAtTheContractsInstant(String cron, String zone, LocalDate day, Instant onTheDay) {
        ZoneId zoneId = ZoneId.of(zone);
        Instant start = day.minusDays(3).atTime(12, 0).toInstant(java.time.ZoneOffset.UTC);
        scheduler.advance(Duration.between(T0, start));
        scheduler.schedule(definition(cron, zone, MisfirePolicy.FIRE_ONCE, Overlap.ALLOW));

        List<TaskSubmission> fired = new ArrayList<>();
        for (int step = 0; step < 6 * 24 * 2; step++) {
            scheduler.advance(Duration.ofMinutes(30));
            fired.addAll(scheduler.takeFired(Priority.LOW));
        }

        Map<LocalDate, List<Instant>> byLocalDay = new TreeMap<>();
        for (TaskSubmission task : fired) {
            assertThat(task.createdAt()).as("fired on time").isEqualTo(task.runAt());
            byLocalDay.computeIfAbsent(task.runAt().atZone(zoneId).toLocalDate(), d -> new ArrayList<>())
                    .add(task.runAt());
        }
        assertThat(byLocalDay).as("fires by local day").hasSize(6)
                .allSatisfy((date, instants) -> assertThat(instants).as(date.toString()).hasSize(1));
        assertThat(byLocalDay.keySet()).containsExactlyElementsOf(
                day.minusDays(2).datesUntil(day.plusDays(4)).toList());
        assertThat(byLocalDay.get(day)).containsExactly(onTheDay);
        assertThat(fired).extracting(TaskSubmission::id).doesNotHaveDuplicates();
    }

    @Test
    void afterAThreeHourOutageFireOnceFiresOneCatchUpTaskThenGoesOnOnTime() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).hasSize(1);

        // down for 3 hours: no tick ran from 10:01 to 13:02:30
        scheduler.advance(Duration.ofHours(3).plusSeconds(90));
        Instant latestMissed = T0.plus(Duration.ofHours(3).plusMinutes(2));
        assertThat(scheduler.takeFired(Priority.LOW)).singleElement().satisfies(task -> {
            assertThat(task.runAt()).isEqualTo(latestMissed);
            assertThat(task.id()).isEqualTo(TaskIds.scheduled(definition.key(), latestMissed));
            assertThat(task.createdAt()).isEqualTo(scheduler.now());
        });
        assertThat(scheduler.count("scheduler.schedule.misfires", "policy", "FIRE_ONCE")).isEqualTo(1);

        scheduler.advance(Duration.ofSeconds(30));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(latestMissed.plus(Duration.ofMinutes(1)));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
    }

    @Test
    void afterAThreeHourOutageSkipFiresNoneOfTheMissedTimesThenGoesOnOnTime() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.SKIP, Overlap.ALLOW);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).hasSize(1);

        scheduler.advance(Duration.ofHours(3).plusSeconds(90));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
        assertThat(scheduler.count("scheduler.schedule.misfires", "policy", "SKIP")).isEqualTo(1);

        scheduler.advance(Duration.ofSeconds(30));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofHours(3).plusMinutes(3)));
    }

    @Test
    void skipFiresNothingForAScheduleCreatedDuringTheOutage() {
        // created at 10:00, read by a scheduler back only at 13:00:30: 10:01 is long past, so none fires,
        // not even 13:00, only 30 s ago
        scheduler.advance(Duration.ofHours(3).plusSeconds(30));
        scheduler.schedule(new ScheduleDefinition(scheduleId, "acme", "report", "* * * * *", "UTC", template(), true,
                MisfirePolicy.SKIP, Overlap.ALLOW, T0));
        scheduler.advance(Duration.ofMillis(100));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofHours(3).plusMinutes(1)));
    }

    @Test
    void aTickThatIsOnlyLateFiresEveryFireTimeItMissed() {
        scheduler.withSchedules(new SchedulerProperties.ScheduleSettings(Duration.ofSeconds(10), Duration.ofMinutes(5),
                Duration.ZERO));
        scheduler.schedule(definition("0/20 * * * * ?", "UTC", MisfirePolicy.SKIP, Overlap.ALLOW));
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt).containsExactly(
                T0.plusSeconds(20), T0.plusSeconds(40), T0.plusSeconds(60));
    }

    @Test
    void skipIfRunningSkipsFiresUntilTheLastTaskEnded() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE,
                Overlap.SKIP_IF_RUNNING);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        List<TaskSubmission> first = scheduler.takeFired(Priority.LOW);
        assertThat(first).hasSize(1);
        TaskDispatch dispatch = scheduler.takeDispatches(Priority.LOW).getFirst();

        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).as("the first task still runs").isEmpty();
        assertThat(scheduler.count("scheduler.schedule.skips", "reason", "overlap")).isEqualTo(1);

        scheduler.result(scheduler.resultOf(dispatch.taskId(), 1, AttemptOutcome.COMPLETED, Json.mapper()
                .createObjectNode(), null));
        assertThat(scheduler.takeEvents()).extracting(TaskEvent::status).contains(TaskStatus.COMPLETED);
        assertThat(scheduler.schedules().get(definition.key()).runningTaskId()).isNull();

        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofMinutes(3)));
    }

    @Test
    void allowFiresWhileTheLastTaskStillRuns() {
        scheduler.schedule(definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW));
        scheduler.advance(Duration.ofMinutes(1));
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).hasSize(2);
    }

    @Test
    void aCancelledTaskEndsTheOverlapToo() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE,
                Overlap.SKIP_IF_RUNNING);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        UUID taskId = scheduler.takeFired(Priority.LOW).getFirst().id();
        scheduler.result(scheduler.resultOf(taskId, 1, AttemptOutcome.FAILED, null,
                io.taskstream.schemas.TaskError.permanent("bad", "no")));
        assertThat(scheduler.schedules().get(definition.key()).runningTaskId()).as("FAILED ends it").isNull();
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).hasSize(1);
    }

    @Test
    void aPausedScheduleFiresNothingAndResumesFromItsResumptionWithoutCatchUp() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(scheduler.takeFired(Priority.LOW)).hasSize(1);

        scheduler.schedule(withEnabled(definition, false, scheduler.now()));
        assertThat(scheduler.schedules().get(definition.key()).nextFireAt()).isNull();
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();

        scheduler.advance(Duration.ofSeconds(10));
        scheduler.schedule(withEnabled(definition, true, scheduler.now()));
        scheduler.advance(Duration.ofSeconds(50));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofMinutes(32)));
    }

    @Test
    void anEditedCronTakesEffectFromTheEditOn() {
        ScheduleDefinition hourly = definition("0 * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(hourly);
        scheduler.advance(Duration.ofMinutes(7));
        ScheduleDefinition everyFive = new ScheduleDefinition(scheduleId, "acme", "report", "*/5 * * * *", "UTC",
                hourly.task(), true, MisfirePolicy.FIRE_ONCE, Overlap.ALLOW, scheduler.now());
        scheduler.schedule(everyFive);
        assertThat(scheduler.schedules().get(hourly.key()).nextFireAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        scheduler.advance(Duration.ofMinutes(3));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt)
                .containsExactly(T0.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aTombstoneDeletesTheSchedule() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);
        scheduler.schedule(definition.key(), null);
        assertThat(scheduler.schedules().get(definition.key())).isNull();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
        scheduler.schedule("acme/unknown", null);
    }

    @Test
    void definitionsThatCannotBeUsedAreDeadLetteredAndForgetTheSchedule() {
        ScheduleDefinition definition = definition("* * * * *", "UTC", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW);
        scheduler.schedule(definition);

        ScheduleDefinition tooOften = new ScheduleDefinition(scheduleId, "acme", "report", "0/10 * * * * ?", "UTC",
                definition.task(), true, MisfirePolicy.FIRE_ONCE, Overlap.ALLOW, scheduler.now());
        scheduler.schedule(tooOften);
        assertThat(scheduler.schedules().get(definition.key())).as("the latest definition counts").isNull();

        scheduler.schedule(definition(("* * * * *"), "Mars/Olympus", MisfirePolicy.FIRE_ONCE, Overlap.ALLOW));
        scheduler.schedule("acme/" + scheduleId, "{not json".getBytes(StandardCharsets.UTF_8));
        scheduler.schedule("acme/" + scheduleId, "{\"tenantId\": \"acme\"}".getBytes(StandardCharsets.UTF_8));
        scheduler.schedule("other/" + scheduleId, Json.mapper().writeValueAsBytes(definition));

        List<TestRecord<String, DeadLetter>> dead = scheduler.dlq().readRecordsToList();
        assertThat(dead).extracting(r -> SchedulerDriver.header(r, Headers.ERROR)).containsExactly(
                ScheduleDefinitionProcessor.INVALID_CRON, ScheduleDefinitionProcessor.INVALID_CRON,
                WireCodec.UNREADABLE, WireCodec.INVALID, ScheduleDefinitionProcessor.KEY_MISMATCH);
        assertThat(dead.getFirst().value().detail()).contains("cron");
        assertThat(dead.get(1).value().detail()).contains("timezone");
        assertThat(scheduler.count("scheduler.rejected.schedules", "reason", "invalid_cron")).isEqualTo(2);

        scheduler.advance(Duration.ofMinutes(5));
        assertThat(scheduler.takeFired(Priority.LOW)).isEmpty();
    }

    @Test
    void aScheduleCreatedWhileTheSchedulerWasBehindFiresFromItsCreation() {
        // created just before 10:00 (updatedAt), read by the scheduler only at 10:00:30: 10:00 fires, late
        scheduler.advance(Duration.ofSeconds(30));
        scheduler.schedule(new ScheduleDefinition(scheduleId, "acme", "report", "* * * * *", "UTC", template(), true,
                MisfirePolicy.FIRE_ONCE, Overlap.ALLOW, T0.minusMillis(1)));
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(scheduler.takeFired(Priority.LOW)).extracting(TaskSubmission::runAt).containsExactly(T0);
    }

    // ------------------------------------------------------------------ fixtures

    private ScheduleDefinition definition(String cron, String zone, MisfirePolicy misfire, Overlap overlap) {
        return new ScheduleDefinition(scheduleId, "acme", "report", cron, zone, template(), true, misfire, overlap,
                scheduler.now());
    }

    private static TaskTemplate template() {
        return new TaskTemplate("report.generate", Json.mapper().createObjectNode().put("ms", 5), Priority.LOW, null,
                null, null, Map.of("team", "billing"));
    }

    private static ScheduleDefinition withEnabled(ScheduleDefinition d, boolean enabled, Instant at) {
        return new ScheduleDefinition(d.scheduleId(), d.tenantId(), d.name(), d.cron(), d.timezone(), d.task(), enabled,
                d.misfirePolicy(), d.overlap(), at.truncatedTo(ChronoUnit.MILLIS));
    }
}
