package io.taskstream.ingest.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.tasks.SubmissionReader;
import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.node.ObjectNode;

class ScheduleReaderTest {

    static final UUID ID = UUID.fromString("0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90");
    static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    static final SchemaValidator VALIDATOR = SchemaValidator.load();

    private final ScheduleReader reader = new ScheduleReader(new SubmissionReader(VALIDATOR, 1024), VALIDATOR,
            Duration.ofMinutes(1));

    private ScheduleDefinition read(String json) {
        return reader.read((ObjectNode) Json.mapper().readTree(json), "acme", ID, NOW);
    }

    private List<Violation> violations(String json) {
        try {
            read(json);
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            return e.errors();
        }
        throw new AssertionError("no violation");
    }

    @Test
    void onlyNameCronAndTaskTypeAndPayloadAreRequired() {
        ScheduleDefinition d = read("""
                {"name": "hourly", "cron": "0 * * * *", "task": {"type": "email.send", "payload": {"to": "a"}}}
                """);

        assertThat(d.scheduleId()).isEqualTo(ID);
        assertThat(d.tenantId()).isEqualTo("acme");
        assertThat(d.name()).isEqualTo("hourly");
        assertThat(d.timezone()).isEqualTo("UTC");
        assertThat(d.enabled()).isTrue();
        assertThat(d.misfirePolicy()).isEqualTo(MisfirePolicy.FIRE_ONCE);
        assertThat(d.overlap()).isEqualTo(Overlap.ALLOW);
        assertThat(d.updatedAt()).isEqualTo(NOW);
        assertThat(d.task().type()).isEqualTo("email.send");
        assertThat(d.task().payload().get("to").asString()).isEqualTo("a");
        assertThat(d.task().priority()).isEqualTo(Priority.NORMAL);
        assertThat(d.task().maxAttempts()).as("the task defaults, made explicit").isEqualTo(4);
        assertThat(d.task().timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.task().backoff()).as("absent: the scheduler's default at fire time").isNull();
        assertThat(d.task().labels()).isEmpty();
    }

    @Test
    void everyFieldIsTaken() {
        ScheduleDefinition d = read("""
                {"name": "nightly", "cron": "0 0 2 ? * MON-FRI", "timezone": "Europe/Berlin", "enabled": false,
                 "misfirePolicy": "SKIP", "overlap": "SKIP_IF_RUNNING",
                 "task": {"type": "report.generate", "payload": {}, "priority": "LOW", "maxAttempts": 2,
                          "timeout": "PT1H", "backoff": {"initial": "PT2S"}, "labels": {"team": "billing"}}}
                """);

        assertThat(d.cron()).isEqualTo("0 0 2 ? * MON-FRI");
        assertThat(d.timezone()).isEqualTo("Europe/Berlin");
        assertThat(d.enabled()).isFalse();
        assertThat(d.misfirePolicy()).isEqualTo(MisfirePolicy.SKIP);
        assertThat(d.overlap()).isEqualTo(Overlap.SKIP_IF_RUNNING);
        assertThat(d.task().priority()).isEqualTo(Priority.LOW);
        assertThat(d.task().maxAttempts()).isEqualTo(2);
        assertThat(d.task().timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(d.task().backoff()).isEqualTo(new Backoff(Duration.ofSeconds(2), null, null, null));
        assertThat(d.task().labels()).containsEntry("team", "billing");
    }

    @Test
    void nullCountsAsAbsent() {
        ScheduleDefinition d = read("""
                {"name": "n", "cron": "0 * * * *", "timezone": null, "enabled": null, "misfirePolicy": null,
                 "overlap": null, "task": {"type": "a", "payload": {}, "priority": null}}
                """);

        assertThat(d.timezone()).isEqualTo("UTC");
        assertThat(d.enabled()).isTrue();
        assertThat(d.task().priority()).isEqualTo(Priority.NORMAL);
    }

    @Test
    void cronAndZoneProblemsAreCronSchedulesOwnWords() {
        assertThat(violations("{\"name\": \"n\", \"cron\": \"*/30 * * * * ?\", \"task\": {\"type\": \"a\", "
                + "\"payload\": {}}}")).singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("cron");
                    assertThat(v.message()).contains("30s apart").contains("shortest allowed interval is 1m");
                });
        assertThat(violations("{\"name\": \"n\", \"cron\": \"61 * * * *\", \"task\": {\"type\": \"a\", "
                + "\"payload\": {}}}")).singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("cron");
                    assertThat(v.message()).contains("61");
                });
        assertThat(violations("{\"name\": \"n\", \"cron\": \"0 2 * * *\", \"timezone\": \"Mars/Olympus\", "
                + "\"task\": {\"type\": \"a\", \"payload\": {}}}")).singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("timezone");
                    assertThat(v.message()).contains("Mars/Olympus");
                });
        assertThat(violations("{\"name\": \"n\", \"cron\": \"0 2 * *\", \"timezone\": \"Europe/Berlim\", "
                + "\"task\": {\"type\": \"a\", \"payload\": {}}}")).as("both wrong: both named")
                .extracting(Violation::field).containsExactly("timezone", "cron");
    }

    @Test
    void theTaskIsCheckedByTheTasksRulesAndItsProblemsNamedUnderTask() {
        assertThat(violations("""
                {"name": "n", "cron": "0 2 * * *",
                 "task": {"type": "Bad Type", "payload": [], "maxAttempts": 99, "orderingKey": "k",
                          "backoff": {"initial": "PT1M", "max": "PT1S"}}}
                """)).extracting(Violation::field)
                .contains("task.orderingKey", "task.type", "task.payload", "task.maxAttempts");
        assertThat(violations("""
                {"name": "n", "cron": "0 2 * * *", "task": {"type": "a", "payload": {},
                 "backoff": {"initial": "PT1M", "max": "PT1S"}}}
                """)).singleElement().satisfies(v -> {
                    assertThat(v.field()).startsWith("task");
                    assertThat(v.message()).contains("backoff.max");
                });
        assertThat(violations("{\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"payload\": {}}}"))
                .singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("task.type"));
    }

    @Test
    void fieldsThatBelongToOneTaskAloneAreNotPartOfATemplate() {
        assertThat(violations("""
                {"name": "n", "cron": "0 2 * * *", "task": {"type": "a", "payload": {}, "runAt": "2027-01-01T00:00:00Z",
                 "delay": "PT1S", "idempotencyKey": "k", "encrypt": true, "scheduleId": "x", "tenantId": "t"}}
                """)).extracting(Violation::field).containsExactlyInAnyOrder("task.runAt", "task.delay",
                        "task.idempotencyKey", "task.encrypt", "task.scheduleId", "task.tenantId");
    }

    @Test
    void aPayloadOverTheLimitIsTooLarge() {
        assertThatThrownBy(() -> read("{\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", "
                + "\"payload\": {\"blob\": \"" + "x".repeat(2000) + "\"}}}"))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThat(violations("""
                {"colour": "red", "name": " ", "cron": 5, "timezone": 3, "task": [], "enabled": "yes",
                 "misfirePolicy": "SOMETIMES", "overlap": false}
                """)).extracting(Violation::field).containsExactly("colour", "name", "cron", "timezone", "task",
                        "enabled", "misfirePolicy", "overlap");
        assertThat(violations("{}")).containsExactly(new Violation("name", "is required"),
                new Violation("cron", "is required"), new Violation("task", "is required"));
    }

    @Test
    void aNameHasAtMost200Characters() {
        String task = ", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}}";
        assertThat(read("{\"name\": \"" + "n".repeat(200) + "\"" + task).name()).hasSize(200);
        assertThat(violations("{\"name\": \"" + "n".repeat(201) + "\"" + task)).singleElement()
                .isEqualTo(new Violation("name", "must be at most 200 characters"));
    }

    @Test
    void theShortestIntervalIsTheConfiguredOne() {
        ScheduleReader everySecond = new ScheduleReader(new SubmissionReader(VALIDATOR, 1024), VALIDATOR,
                Duration.ofSeconds(1));

        ScheduleDefinition d = everySecond.read((ObjectNode) Json.mapper().readTree(
                "{\"name\": \"n\", \"cron\": \"* * * * * ?\", \"task\": {\"type\": \"a\", \"payload\": {}}}"),
                "acme", ID, NOW);

        assertThat(d.cron()).isEqualTo("* * * * * ?");
        assertThat(read("{\"name\": \"n\", \"cron\": \"* * * * *\", \"task\": {\"type\": \"a\", "
                + "\"payload\": {}}}").cron()).as("every minute is at the default limit, not under it")
                .isEqualTo("* * * * *");
    }
}
