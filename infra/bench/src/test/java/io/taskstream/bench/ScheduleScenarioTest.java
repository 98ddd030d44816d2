package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

class ScheduleScenarioTest {

    static final Topics TOPICS = Topics.withDefaultPrefix();
    static final String TENANT = "bench-1234abcd";
    static final Instant FIRE_TIME = Instant.parse("2026-11-29T12:02:00Z");
    static final FireWindow WINDOW = FireWindow.of(FireWindowTest.EVERY_MINUTE, Instant.parse("2026-11-29T12:00:30Z"),
            Duration.ofMinutes(1));

    final UUID schedule = UUID.randomUUID();
    final FireLedger ledger = new FireLedger();

    @Test
    void aFireOfOneOfOurSchedulesIsTimedByItsRecordTimestamp() {
        UUID task = UUID.randomUUID();

        observe(TOPICS.submit(Priority.NORMAL), submission(task, TENANT, schedule), FIRE_TIME.plusMillis(120));

        FireLedger.Figures figures = ledger.summary(WINDOW, 1).measured().getFirst();
        assertThat(figures.fired()).isEqualTo(1);
        assertThat(figures.fireLateness().getMaxValue()).isBetween(119_900L, 120_100L);
    }

    @Test
    void queuedAndCompletedEventsOfTheRunAreTakenOtherStatusesAreNot() {
        UUID task = UUID.randomUUID();
        observe(TOPICS.submit(Priority.NORMAL), submission(task, TENANT, schedule), FIRE_TIME.plusMillis(100));

        observe(TOPICS.events(), event(task, TENANT, TaskStatus.QUEUED), FIRE_TIME.plusMillis(200));
        observe(TOPICS.events(), event(task, TENANT, TaskStatus.PROCESSING), FIRE_TIME.plusMillis(250));
        observe(TOPICS.events(), event(task, TENANT, TaskStatus.COMPLETED), FIRE_TIME.plusMillis(300));

        FireLedger.Figures figures = ledger.summary(WINDOW, 1).measured().getFirst();
        assertThat(figures.queued()).isEqualTo(1);
        assertThat(figures.queueLateness().getMaxValue()).isBetween(199_900L, 200_100L);
        assertThat(figures.completed()).isEqualTo(1);
        assertThat(figures.completionLateness().getMaxValue()).isBetween(299_900L, 300_100L);
        assertThat(figures.queuedAgain()).isZero();
    }

    @Test
    void otherTenantsOtherSchedulesAndUnreadableRecordsArePassedOver() {
        UUID task = UUID.randomUUID();
        observe(TOPICS.submit(Priority.NORMAL), submission(task, "someone-else", schedule), FIRE_TIME);
        observe(TOPICS.submit(Priority.NORMAL), submission(UUID.randomUUID(), TENANT, UUID.randomUUID()), FIRE_TIME);
        observe(TOPICS.submit(Priority.HIGH), "not json".getBytes(StandardCharsets.UTF_8), FIRE_TIME);
        observe(TOPICS.submit(Priority.HIGH), "[1]".getBytes(StandardCharsets.UTF_8), FIRE_TIME);
        observe(TOPICS.submit(Priority.HIGH), null, FIRE_TIME);
        observe(TOPICS.submit(Priority.LOW), ("{\"tenantId\": \"" + TENANT + "\", \"scheduleId\": \"" + schedule
                + "\", \"id\": \"nope\", \"runAt\": \"soon\"}").getBytes(StandardCharsets.UTF_8), FIRE_TIME);
        observe(TOPICS.events(), ("{\"tenantId\": \"" + TENANT + "\", \"taskId\": 7, \"status\": \"QUEUED\"}")
                .getBytes(StandardCharsets.UTF_8), FIRE_TIME);

        FireLedger.Summary summary = ledger.summary(WINDOW, 1);
        assertThat(summary.measured().getFirst().fired()).isZero();
        assertThat(summary.outside()).isZero();
        assertThat(ledger.outstanding(WINDOW, 1)).isEqualTo(1);
    }

    @Test
    void deadLettersOfTheRunAreCountedByKeyOrTenant() {
        deadLetter(TENANT + "/" + schedule, "{}".getBytes(StandardCharsets.UTF_8));
        deadLetter(UUID.randomUUID().toString(),
                ("{\"tenantId\": \"" + TENANT + "\"}").getBytes(StandardCharsets.UTF_8));
        deadLetter("other/" + schedule, "{\"tenantId\": \"other\"}".getBytes(StandardCharsets.UTF_8));
        deadLetter(null, null);

        assertThat(ledger.summary(WINDOW, 1).deadLetters()).isEqualTo(2);
    }

    @Test
    void theDefinitionsAreEnabledUtcSchedulesOfTheTaskAtNormalPriorityWrittenNow() {
        ScheduleScenario scenario = scenario(3);
        Instant now = Instant.parse("2026-11-29T12:00:30Z");

        List<ScheduleDefinition> definitions = scenario.definitions(TENANT, now);

        assertThat(definitions).hasSize(3).allSatisfy(d -> {
            assertThat(d.tenantId()).isEqualTo(TENANT);
            assertThat(d.cron()).isEqualTo("* * * * *");
            assertThat(d.timezone()).isEqualTo("UTC");
            assertThat(d.enabled()).isTrue();
            assertThat(d.updatedAt()).isEqualTo(now);
            assertThat(d.task().type()).isEqualTo("log");
            assertThat(d.task().priority()).isEqualTo(Priority.NORMAL);
            assertThat(d.task().payload().get("message").asString()).isEqualTo("bench");
            assertThat(d.key()).isEqualTo(TENANT + "/" + d.scheduleId());
        });
        assertThat(definitions.stream().map(ScheduleDefinition::scheduleId).distinct()).hasSize(3);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsBytes(definitions.getFirst()),
                ScheduleDefinition.class)).isEqualTo(definitions.getFirst());
    }

    private static ScheduleScenario scenario(int schedules) {
        return new ScheduleScenario("127.0.0.1:1", TOPICS, schedules, 3, ScheduleScenario.DEFAULT_CRON,
                ScheduleScenario.DEFAULT_TYPE, ScheduleScenario.DEFAULT_PAYLOAD, Duration.ofSeconds(60),
                Clock.systemUTC());
    }

    private void observe(String topic, byte[] value, Instant timestamp) {
        ScheduleScenario.observe(new ConsumerRecord<>(topic, 0, 0, timestamp.toEpochMilli(),
                TimestampType.CREATE_TIME, 0, 0, "k", value, new RecordHeaders(), Optional.empty()),
                TOPICS, TENANT, Set.of(schedule), ledger);
    }

    private void deadLetter(String key, byte[] value) {
        ScheduleScenario.observe(new ConsumerRecord<>(TOPICS.dlq(), 0, 0, 0L, TimestampType.CREATE_TIME, 0, 0, key,
                value, new RecordHeaders(), Optional.empty()), TOPICS, TENANT, Set.of(schedule), ledger);
    }

    static byte[] submission(UUID task, String tenant, UUID schedule) {
        return Json.mapper().writeValueAsBytes(new TaskSubmission(task, tenant, "log",
                Json.mapper().createObjectNode().put("message", "bench"), Priority.NORMAL, FIRE_TIME, null, null,
                null, null, null, null, null, false, schedule, FIRE_TIME.plusMillis(100)));
    }

    static byte[] event(UUID task, String tenant, TaskStatus status) {
        return Json.mapper().writeValueAsBytes(TaskEvent.statusChange(task, tenant, 1, status, FIRE_TIME, 0));
    }
}
