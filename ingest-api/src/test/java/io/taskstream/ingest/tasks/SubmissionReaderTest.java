package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Violation;

class SubmissionReaderTest {

    private static final SchemaValidator VALIDATOR = SchemaValidator.load();
    private static final UUID ID = UUID.fromString("01890a5d-ac96-774b-bcce-b302099a8057");
    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00.123456Z");

    private final SubmissionReader reader = new SubmissionReader(VALIDATOR, 1024);

    private TaskSubmission read(String json) {
        return read(json, null);
    }

    private TaskSubmission read(String json, String idempotencyHeader) {
        return reader.read(json.getBytes(StandardCharsets.UTF_8), "acme", ID, NOW, idempotencyHeader);
    }

    private ApiException rejection(String json) {
        return rejection(json, null);
    }

    private ApiException rejection(String json, String idempotencyHeader) {
        try {
            read(json, idempotencyHeader);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    private List<String> fieldsOf(ApiException e) {
        return e.errors().stream().map(Violation::field).toList();
    }

    @Test
    void minimalRequestGetsTheServerFieldsAndTheDocumentedDefaults() {
        TaskSubmission s = read("{\"type\": \"email.send\", \"payload\": {\"to\": \"a@example.com\"}}");

        assertThat(s.id()).isEqualTo(ID);
        assertThat(s.tenantId()).isEqualTo("acme");
        assertThat(s.createdAt()).isEqualTo(NOW);
        assertThat(s.type()).isEqualTo("email.send");
        assertThat(s.payload().get("to").asString()).isEqualTo("a@example.com");
        assertThat(s.priority()).isEqualTo(Priority.NORMAL);
        assertThat(s.maxAttempts()).isEqualTo(4);
        assertThat(s.timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.backoff()).isNull(); // the scheduler's configured default applies
        assertThat(s.labels()).isEmpty();
        assertThat(s.encrypt()).isFalse();
    }

    @Test
    void everyDocumentedFieldIsPassedThrough() {
        TaskSubmission s = read("""
                {"type": "report.generate", "payload": {}, "priority": "HIGH", "delay": "PT30S", "maxAttempts": 7,
                 "timeout": "PT1M", "backoff": {"initial": "PT2S", "multiplier": 3.0, "max": "PT1H", "jitter": 0.1},
                 "orderingKey": "customer-42", "idempotencyKey": "order-42", "labels": {"team": "billing"},
                 "encrypt": true}
                """);

        assertThat(s.priority()).isEqualTo(Priority.HIGH);
        assertThat(s.delay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxAttempts()).isEqualTo(7);
        assertThat(s.timeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.backoff()).isEqualTo(new Backoff(Duration.ofSeconds(2), 3.0, Duration.ofHours(1), 0.1));
        assertThat(s.orderingKey()).isEqualTo("customer-42");
        assertThat(s.idempotencyKey()).isEqualTo("order-42");
        assertThat(s.labels()).isEqualTo(Map.of("team", "billing"));
        assertThat(s.encrypt()).isTrue();
        assertThat(s.dueAt(NOW)).isEqualTo(NOW.plusSeconds(30));
    }

    /** CONTRACT.md §2: each backoff field may be given alone; the absent ones stay absent (the scheduler's default). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"initial\": \"PT2S\"}  | PT2S |      |       |",
            "{\"multiplier\": 3}      |      | 3.0  |       |",
            "{\"max\": \"PT10M\"}     |      |      | PT10M |",
            "{\"jitter\": 0}          |      |      |       | 0.0",
            "{\"initial\": \"PT10M\", \"jitter\": 0.5} | PT10M | | | 0.5",
            "{}                      |      |      |       |"})
    void aPartialBackoffIsAcceptedWithOnlyTheGivenFields(String backoff, Duration initial, Double multiplier,
                                                         Duration max, Double jitter) {
        TaskSubmission s = read("{\"type\": \"a\", \"payload\": {}, \"backoff\": " + backoff + "}");

        assertThat(s.backoff()).isEqualTo(new Backoff(initial, multiplier, max, jitter));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"initial\": \"PT0S\"}           | backoff.initial",
            "{\"max\": \"PT0S\"}               | backoff.max",
            "{\"multiplier\": 0}               | backoff.multiplier",
            "{\"multiplier\": 11}              | backoff.multiplier",
            "{\"jitter\": 1.5}                 | backoff.jitter",
            "{\"initial\": \"PT2S\", \"delay\": \"PT1S\"} | backoff.delay"})
    void aPartialBackoffStillChecksEveryFieldItGives(String backoff, String expectedField) {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, \"backoff\": " + backoff + "}");

        assertThat(fieldsOf(e)).containsExactly(expectedField);
    }

    @Test
    void runAtIsKept() {
        TaskSubmission s = read("{\"type\": \"a\", \"payload\": {}, \"runAt\": \"2026-12-01T10:00:00Z\"}");

        assertThat(s.runAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    }

    @Test
    void nullCountsAsAbsent() {
        TaskSubmission s = read("{\"type\": \"a\", \"payload\": {}, \"priority\": null, \"labels\": null}");

        assertThat(s.priority()).isEqualTo(Priority.NORMAL);
        assertThat(s.labels()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"type\": }", "not json", "{\"type\": \"a\"} trailing",
            "{\"type\": \"a\", \"type\": \"b\", \"payload\": {}}"})
    void bodyThatDoesNotParseIsMalformed(String body) {
        ApiException e = rejection(body);

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
        assertThat(e.getMessage()).startsWith("the request body is not valid JSON");
    }

    @Test
    void nestingBeyondTheWireLimitIsMalformed() {
        String deep = "{\"a\": ".repeat(70) + "1" + "}".repeat(70);

        ApiException e = rejection("{\"type\": \"a\", \"payload\": " + deep + "}");

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
        assertThat(e.getMessage()).contains("nesting depth");
    }

    @Test
    void nestingWithinTheWireLimitIsFine() {
        String deep = "{\"a\": ".repeat(60) + "1" + "}".repeat(60);

        assertThat(read("{\"type\": \"a\", \"payload\": " + deep + "}").payload()).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyBodyIsMalformed(String body) {
        assertThat(rejection(body).code()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"task\"", "42"})
    void bodyThatIsNotAnObjectFailsValidation(String body) {
        ApiException e = rejection(body);

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.errors()).extracting(Violation::message).containsExactly("the request body must be a JSON object");
    }

    @Test
    void unknownFieldsAreRejectedByName() {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, \"colour\": \"red\", \"sizee\": 1}");

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.errors()).containsExactlyInAnyOrder(new Violation("colour", "unknown field"),
                new Violation("sizee", "unknown field"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tenantId", "id", "createdAt", "scheduleId"})
    void serverOwnedFieldsCannotBeSetByTheCaller(String field) {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, \"" + field + "\": \"x\"}");

        assertThat(e.errors()).containsExactly(new Violation(field, "unknown field"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ApiException e = rejection("""
                {"type": "Bad Type", "payload": [], "priority": "urgent", "maxAttempts": 0,
                 "labels": {"team": 1}, "backoff": {"max": "soon"}}
                """);

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(fieldsOf(e)).containsExactlyInAnyOrder("type", "payload", "priority", "maxAttempts", "labels.team",
                "backoff.max");
        assertThat(e.getMessage()).isEqualTo("the request is invalid (6 errors)");
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        ApiException e = rejection("{}");

        assertThat(fieldsOf(e)).containsExactlyInAnyOrder("type", "payload");
    }

    @Test
    void runAtAndDelayAreExclusive() {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, \"runAt\": \"2026-12-01T10:00:00Z\", "
                + "\"delay\": \"PT1S\"}");

        assertThat(e.errors()).containsExactly(
                new Violation("runAt", "runAt and delay are exclusive: give at most one of them"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"timeout\": \"PT0S\"      | timeout",
            "\"timeout\": \"PT25H\"     | timeout",
            "\"timeout\": \"P\"         | timeout",
            "\"maxAttempts\": 51        | maxAttempts",
            "\"backoff\": {\"initial\": \"PT10M\", \"max\": \"PT1M\"} | backoff.max",
            "\"runAt\": \"2026-13-45T99:00:00Z\" | runAt"})
    void rulesBeyondTheSchemaNameTheirField(String field, String expectedField) {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, " + field + "}");

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(fieldsOf(e)).containsExactly(expectedField);
    }

    @Test
    void payloadOverTheLimitIsTooLarge() {
        String big = "x".repeat(1100);
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {\"data\": \"" + big + "\"}}");

        assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(e.getMessage()).contains("at most 1024");
    }

    @Test
    void payloadAtTheLimitIsAccepted() {
        // {"data":"…"} is 11 bytes of envelope
        String exact = "x".repeat(1024 - 11);

        assertThat(read("{\"type\": \"a\", \"payload\": {\"data\": \"" + exact + "\"}}").payload()).isNotNull();
    }

    @Test
    void idempotencyKeyHeaderStandsInForTheField() {
        assertThat(read("{\"type\": \"a\", \"payload\": {}}", "key-1").idempotencyKey()).isEqualTo("key-1");
        assertThat(read("{\"type\": \"a\", \"payload\": {}, \"idempotencyKey\": \"key-1\"}", "key-1")
                .idempotencyKey()).isEqualTo("key-1");
    }

    @Test
    void idempotencyKeyHeaderAndFieldMustAgree() {
        ApiException e = rejection("{\"type\": \"a\", \"payload\": {}, \"idempotencyKey\": \"key-1\"}", "key-2");

        assertThat(e.errors()).containsExactly(
                new Violation("idempotencyKey", "differs from the Idempotency-Key header"));
    }
}
