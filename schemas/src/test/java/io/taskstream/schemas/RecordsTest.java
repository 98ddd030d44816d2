package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class RecordsTest {

    private static final JsonNode EMPTY = JsonNodeFactory.instance.objectNode();
    private static final UUID ID = UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ab");
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private static TaskSubmission submission(Instant runAt, Duration delay) {
        return new TaskSubmission(ID, "acme", "log", EMPTY, null, runAt, delay, null, null, null, null, null, null,
                null, null, T0);
    }

    private static TaskSubmission submissionWith(Backoff backoff) {
        return new TaskSubmission(ID, "acme", "log", EMPTY, null, null, null, null, null, backoff, null, null, null,
                null, null, T0);
    }

    /** The backoff table doubles as documentation: attempt → delay, with no jitter (random 0.5). */
    @ParameterizedTest(name = "after attempt {0}: {1} ms")
    @CsvSource({"1, 1000", "2, 2000", "3, 4000", "4, 8000", "9, 256000", "10, 300000", "30, 300000"})
    void defaultBackoffDoublesUpToFiveMinutes(int attempt, long millis) {
        assertThat(Backoff.DEFAULT.delayAfter(attempt, 0.5)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void jitterSpreadsTheDelayByAtMostItsFraction() {
        assertThat(Backoff.DEFAULT.delayAfter(1, 0.0)).isEqualTo(Duration.ofMillis(800));
        assertThat(Backoff.DEFAULT.delayAfter(1, 0.999999)).isEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void backoffRefusesNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, 2.0, Duration.ofSeconds(1), 0.0)).hasMessageContaining("initial");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1), 0.0)).hasMessageContaining("max");
        assertThatThrownBy(() -> new Backoff(null, null, Duration.ZERO, null)).hasMessageContaining("max must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 0.0)).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new Backoff(null, 0.0, null, null)).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(1), 1.5)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> Backoff.DEFAULT.delayAfter(0, 0.5)).hasMessageContaining("1-based");
    }

    /** Each field may be given alone; the absent ones come from the deployment's default (a table). */
    @ParameterizedTest(name = "initial {0}, multiplier {1}, max {2}, jitter {3}")
    @CsvSource({
            // given                  → complete
            "PT2S,  ,    ,     ,        PT2S,  3.0, PT1M,  0.0",
            "    , 1.5,  ,     ,        PT10S, 1.5, PT1M,  0.0",
            "    ,  , PT30M,   ,        PT10S, 3.0, PT30M, 0.0",
            "    ,  ,    , 0.5,         PT10S, 3.0, PT1M,  0.5",
            // a default never makes the result invalid: max rises to a given initial, initial drops to a given max
            "PT10M, ,    ,     ,        PT10M, 3.0, PT10M, 0.0",
            "    ,  , PT5S,    ,        PT5S,  3.0, PT5S,  0.0",
            "PT1S, 2.0, PT2S, 0.1,      PT1S,  2.0, PT2S,  0.1"})
    void aPartialBackoffTakesEachAbsentFieldFromTheDefault(Duration initial, Double multiplier, Duration max,
                                                           Double jitter, Duration fullInitial, double fullMultiplier,
                                                           Duration fullMax, double fullJitter) {
        Backoff deployment = new Backoff(Duration.ofSeconds(10), 3.0, Duration.ofMinutes(1), 0.0);
        Backoff partial = new Backoff(initial, multiplier, max, jitter);

        assertThat(partial.orElse(deployment)).isEqualTo(new Backoff(fullInitial, fullMultiplier, fullMax, fullJitter));
        assertThat(submissionWith(partial).backoffOr(deployment)).isEqualTo(partial.orElse(deployment));
    }

    @Test
    void onlyACompleteBackoffComputesDelaysAndCompletesOthers() {
        Backoff partial = new Backoff(Duration.ofSeconds(2), null, null, null);

        assertThat(partial.hasEveryField()).isFalse();
        assertThatThrownBy(() -> partial.delayAfter(1, 0.5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Backoff.DEFAULT.orElse(partial)).hasMessageContaining("complete");
        assertThat(submissionWith(null).backoffOr(Backoff.DEFAULT)).isSameAs(Backoff.DEFAULT);
        assertThat(Json.mapper().writeValueAsString(partial)).isEqualTo("{\"initial\":\"PT2S\"}");
    }

    @Test
    void dueTimeComesFromRunAtOrDelayOrAcceptance() {
        assertThat(submission(T0.plusSeconds(60), null).dueAt(T0)).isEqualTo(T0.plusSeconds(60));
        assertThat(submission(null, Duration.ofSeconds(30)).dueAt(T0)).isEqualTo(T0.plusSeconds(30));
        assertThat(submission(null, null).dueAt(T0)).isEqualTo(T0);
    }

    @Test
    void submissionRefusesWhatTheContractForbids() {
        assertThatThrownBy(() -> submission(T0, Duration.ofSeconds(1))).hasMessageContaining("exclusive");
        assertThatThrownBy(() -> submission(null, Duration.ofSeconds(-1))).hasMessageContaining("negative");
        assertThatThrownBy(() -> new TaskSubmission(ID, " ", "log", EMPTY, null, null, null, null, null, null, null,
                null, null, null, null, null)).hasMessageContaining("tenantId");
        assertThatThrownBy(() -> new TaskSubmission(ID, "acme", "Bad Type", EMPTY, null, null, null, null, null, null,
                null, null, null, null, null, null)).hasMessageContaining("type");
        assertThatThrownBy(() -> new TaskSubmission(ID, "acme", "log", JsonNodeFactory.instance.arrayNode(), null,
                null, null, null, null, null, null, null, null, null, null, null)).hasMessageContaining("payload");
        assertThatThrownBy(() -> new TaskSubmission(ID, "acme", "log", EMPTY, null, null, null, 0, null, null, null,
                null, null, null, null, null)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new TaskSubmission(ID, "acme", "log", EMPTY, null, null, null, null, Duration.ZERO,
                null, null, null, null, null, null, null)).hasMessageContaining("timeout");
    }

    @Test
    void withCopiesChangeOneThing() {
        TaskSubmission s = submission(null, null);
        UUID other = UUID.randomUUID();
        assertThat(s.withId(other).id()).isEqualTo(other);
        assertThat(s.withPriority(Priority.CRITICAL).priority()).isEqualTo(Priority.CRITICAL);
        assertThat(s.withCreatedAt(T0.plusSeconds(1)).createdAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(s.withPriority(Priority.CRITICAL).withId(s.id()).withPriority(Priority.NORMAL)).isEqualTo(s);
    }

    @Test
    void dispatchKeyIsTheOrderingKeyElseTheTaskId() {
        TaskSubmission s = submission(null, null);
        assertThat(s.dispatchKey()).isEqualTo(ID.toString());
        TaskSubmission ordered = new TaskSubmission(ID, "acme", "log", EMPTY, null, null, null, null, null, null,
                "customer-42", null, null, null, null, null);
        assertThat(ordered.dispatchKey()).isEqualTo("customer-42");
        TaskDispatch d = new TaskDispatch(ID, "acme", "log", EMPTY, Priority.NORMAL, 1, 4, Duration.ofMinutes(5),
                null, null, null, false, T0, T0, T0.plusSeconds(330), 2);
        assertThat(d.dispatchKey()).isEqualTo(ID.toString());
        assertThat(d.labels()).isEmpty();
        assertThatThrownBy(() -> new TaskDispatch(ID, "acme", "log", EMPTY, Priority.NORMAL, 5, 4,
                Duration.ofMinutes(5), null, null, null, false, T0, T0, T0, 2)).hasMessageContaining("attempt");
    }

    @Test
    void eventsAreBuiltFromSubmissionsAndCopiedWithChanges() {
        TaskSubmission s = submission(null, null);
        TaskEvent admitted = TaskEvent.admitted(s, 1, TaskStatus.QUEUED, T0, T0);
        assertThat(admitted.type()).isEqualTo("log");
        assertThat(admitted.payload()).isEqualTo(EMPTY);
        assertThat(admitted.maxAttempts()).isEqualTo(4);
        Execution execution = new Execution(1, "w", T0, T0.plusMillis(250), AttemptOutcome.COMPLETED, null, null);
        assertThat(execution.durationMs()).isEqualTo(250);
        TaskEvent done = TaskEvent.statusChange(ID, "acme", 3, TaskStatus.COMPLETED, T0, 1)
                .withExecution(execution)
                .withOutcome(EMPTY, null)
                .withRunAt(T0);
        assertThat(done.execution()).isEqualTo(execution);
        assertThat(done.result()).isEqualTo(EMPTY);
        assertThat(done.runAt()).isEqualTo(T0);
        assertThatThrownBy(() -> TaskEvent.statusChange(ID, "acme", -1, TaskStatus.QUEUED, T0, 0))
                .hasMessageContaining("version");
        assertThatThrownBy(() -> new Execution(0, "w", null, null, null, null, null)).hasMessageContaining("1-based");
    }

    @Test
    void progressRidesOnTheAttemptsProcessingEventAtItsVersion() {
        Execution running = new Execution(1, "w", T0, null, null, null, null);
        TaskEvent processing = TaskEvent.statusChange(ID, "acme", 2, TaskStatus.PROCESSING, T0, 1)
                .withExecution(running);
        TaskProgress progress = new TaskProgress(40, "page 4 of 10", T0.plusSeconds(5));

        TaskEvent reported = processing.withProgress(progress);

        assertThat(reported.progress()).isEqualTo(progress);
        assertThat(reported.version()).isEqualTo(2);
        assertThat(reported.occurredAt()).as("the report's own time").isEqualTo(T0.plusSeconds(5));
        assertThat(reported.execution()).isEqualTo(running);
        assertThat(reported.withExecution(running).withOutcome(null, null).withRunAt(null).progress())
                .isEqualTo(progress);
        assertThat(processing.progress()).isNull();
    }

    @Test
    void progressIsAPercentageWithAShortMessageAndOnlyOnProcessingEvents() {
        assertThat(new TaskProgress(0, null, T0).message()).isNull();
        assertThat(new TaskProgress(100, "x".repeat(TaskProgress.MAX_MESSAGE_LENGTH), T0).percent()).isEqualTo(100);
        assertThatThrownBy(() -> new TaskProgress(-1, null, T0)).hasMessageContaining("between 0 and 100 (was -1)");
        assertThatThrownBy(() -> new TaskProgress(101, null, T0)).hasMessageContaining("between 0 and 100 (was 101)");
        assertThatThrownBy(() -> new TaskProgress(50, "x".repeat(TaskProgress.MAX_MESSAGE_LENGTH + 1), T0))
                .hasMessageContaining("at most 200 characters");
        assertThatThrownBy(() -> new TaskProgress(50, null, null)).hasMessageContaining("at");
        assertThatThrownBy(() -> TaskEvent.statusChange(ID, "acme", 3, TaskStatus.COMPLETED, T0, 1)
                .withProgress(new TaskProgress(50, null, T0))).hasMessageContaining("only a PROCESSING event");
    }

    @Test
    void theSchemaRefusesProgressOnAnyOtherStatus() {
        SchemaValidator validator = SchemaValidator.load();
        TaskEvent reported = TaskEvent.statusChange(ID, "acme", 2, TaskStatus.PROCESSING, T0, 1)
                .withProgress(new TaskProgress(40, "m", T0));
        tools.jackson.databind.node.ObjectNode json = Json.mapper().valueToTree(reported);

        assertThat(validator.validate(Document.TASK_EVENT, json)).isEmpty();
        json.put("status", "COMPLETED");
        assertThat(validator.validate(Document.TASK_EVENT, json)).isNotEmpty();
    }

    @Test
    void terminalStatusesAreExactlyTheThree() {
        assertThat(java.util.Arrays.stream(TaskStatus.values()).filter(TaskStatus::isTerminal))
                .containsExactly(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED);
    }

    @Test
    void resultsOtherThanCompletedNeedAnError() {
        assertThatThrownBy(() -> new AttemptResult(ID, "acme", 1, 0, "w", AttemptOutcome.FAILED, null, null, T0, T0))
                .hasMessageContaining("needs an error");
        AttemptResult failed = new AttemptResult(ID, "acme", 2, 9, "w", AttemptOutcome.FAILED, null,
                TaskError.retryable("handler_error", "boom"), T0, T0.plusSeconds(1));
        assertThat(failed.toExecution()).isEqualTo(new Execution(2, "w", T0, T0.plusSeconds(1), AttemptOutcome.FAILED,
                TaskError.retryable("handler_error", "boom"), 1000L));
        assertThatThrownBy(() -> new AttemptResult(ID, "acme", 0, 0, "w", AttemptOutcome.COMPLETED, null, null, T0, T0))
                .hasMessageContaining("1-based");
    }

    @Test
    void aDeferredResultCarriesRetryAtAndOnlyItDoes() {
        TaskError snoozed = TaskError.retryable("snoozed", "later");
        AttemptResult deferred = AttemptResult.deferred(ID, "acme", 2, 9, "w", snoozed, T0, T0.plusSeconds(1),
                T0.plusSeconds(31));
        assertThat(deferred.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(deferred.retryAt()).isEqualTo(T0.plusSeconds(31));
        assertThat(deferred.toExecution().outcome()).isEqualTo(AttemptOutcome.DEFERRED);
        assertThat(new AttemptResult(ID, "acme", 1, 0, "w", AttemptOutcome.COMPLETED, null, null, T0, T0).retryAt())
                .as("the constructor without retryAt").isNull();

        assertThatThrownBy(() -> new AttemptResult(ID, "acme", 2, 9, "w", AttemptOutcome.DEFERRED, null, snoozed, T0,
                T0, null)).hasMessageContaining("retryAt");
        assertThatThrownBy(() -> new AttemptResult(ID, "acme", 2, 9, "w", AttemptOutcome.FAILED, null, snoozed, T0,
                T0, T0)).hasMessageContaining("retryAt");
        assertThatThrownBy(() -> AttemptResult.deferred(ID, "acme", 2, 9, "w", null, T0, T0, T0))
                .hasMessageContaining("needs an error");
        // what the wire had before DEFERRED reads the same: no retryAt is written
        assertThat(Json.mapper().writeValueAsString(new AttemptResult(ID, "acme", 1, 0, "w",
                AttemptOutcome.COMPLETED, null, null, T0, T0))).doesNotContain("retryAt");
    }

    @Test
    void errorMessagesAreBounded() {
        TaskError error = TaskError.permanent("handler_error", "x".repeat(TaskError.MAX_MESSAGE_LENGTH + 10));
        assertThat(error.message()).hasSize(TaskError.MAX_MESSAGE_LENGTH);
        assertThat(error.retryable()).isFalse();
        assertThat(new TaskError("c", null, true).message()).isEmpty();
        assertThatThrownBy(() -> new TaskError(" ", "m", true)).hasMessageContaining("code");
    }

    @Test
    void controlCommandsAndDeadLettersCheckTheirShape() {
        assertThatThrownBy(() -> new ControlCommand(ID, "acme", ControlCommand.Kind.REPRIORITIZE, null, T0, "k"))
                .hasMessageContaining("priority");
        assertThat(new ControlCommand(ID, "acme", ControlCommand.Kind.CANCEL, null, T0, "k").kind())
                .isEqualTo(ControlCommand.Kind.CANCEL);
        TaskSubmission s = submission(null, null);
        ControlCommand replay = ControlCommand.replay(s, 5, T0, "k");
        assertThat(replay).isEqualTo(new ControlCommand(ID, "acme", ControlCommand.Kind.REPLAY, null, T0, "k", s, 5L));
        assertThatThrownBy(() -> new ControlCommand(ID, "acme", ControlCommand.Kind.REPLAY, null, T0, "k", s, null))
                .hasMessageContaining("together");
        assertThatThrownBy(() -> new ControlCommand(ID, "acme", ControlCommand.Kind.CANCEL, null, T0, "k", s, 5L))
                .hasMessageContaining("only REPLAY");
        assertThatThrownBy(() -> new ControlCommand(ID, "other", ControlCommand.Kind.REPLAY, null, T0, "k", s, 5L))
                .hasMessageContaining("of tenant other");
        assertThatThrownBy(() -> ControlCommand.replay(s, -1, T0, "k")).hasMessageContaining("negative");
        DeadLetter letter = new DeadLetter(ID, "acme", "non_retryable", "boom", T0, null, null, null);
        assertThat(letter.executions()).isEmpty();
    }

    @Test
    void schedulesApplyDefaultsAndKnowTheirKey() {
        ScheduleDefinition.TaskTemplate template = new ScheduleDefinition.TaskTemplate("report.generate", EMPTY, null,
                null, null, null, null);
        ScheduleDefinition schedule = new ScheduleDefinition(ID, "acme", "nightly", "0 2 * * *", null, template, true,
                null, null, T0);
        assertThat(schedule.timezone()).isEqualTo("UTC");
        assertThat(schedule.misfirePolicy()).isEqualTo(ScheduleDefinition.MisfirePolicy.FIRE_ONCE);
        assertThat(schedule.overlap()).isEqualTo(ScheduleDefinition.Overlap.ALLOW);
        assertThat(schedule.key()).isEqualTo("acme/" + ID);
        assertThat(template.priority()).isEqualTo(Priority.NORMAL);
        assertThat(template.labels()).isEqualTo(Map.of());
    }

    @Test
    void newIdsAreVersion7AndOrderedByTime() {
        Random random = new Random(42);
        UUID early = TaskIds.newId(Clock.fixed(T0, ZoneOffset.UTC), random);
        UUID late = TaskIds.newId(Clock.fixed(T0.plusMillis(1), ZoneOffset.UTC), random);
        assertThat(early.version()).isEqualTo(7);
        assertThat(early.variant()).isEqualTo(2);
        assertThat(early.getMostSignificantBits() >>> 16).isEqualTo(T0.toEpochMilli());
        assertThat(Long.compareUnsigned(early.getMostSignificantBits(), late.getMostSignificantBits())).isNegative();
    }

    @Test
    void nameBasedIdsAreReproducible() {
        assertThat(TaskIds.nameBased("submit.normal/0/12")).isEqualTo(TaskIds.nameBased("submit.normal/0/12"))
                .isNotEqualTo(TaskIds.nameBased("submit.normal/0/13"));
        UUID fired = TaskIds.scheduled("acme/0193a4c2-0000-7000-8000-000000000001", T0);
        assertThat(fired).isEqualTo(TaskIds.scheduled("acme/0193a4c2-0000-7000-8000-000000000001", T0))
                .isNotEqualTo(TaskIds.scheduled("acme/0193a4c2-0000-7000-8000-000000000001", T0.plusSeconds(60)))
                .isNotEqualTo(TaskIds.scheduled("other/0193a4c2-0000-7000-8000-000000000001", T0));
        assertThat(fired.version()).isEqualTo(7);
        assertThat(fired.variant()).isEqualTo(2);
        assertThat(fired.getMostSignificantBits() >>> 16).isEqualTo(T0.toEpochMilli());
    }
}
