package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.KeysetCursor;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Violation;

class TaskQueryTest {

    /** Query parameters as the servlet hands them over: name → values, in the order given. */
    private static Map<String, List<String>> params(String... nameValuePairs) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            params.computeIfAbsent(nameValuePairs[i], k -> new java.util.ArrayList<>()).add(nameValuePairs[i + 1]);
        }
        return params;
    }

    private static TaskQuery parse(String... nameValuePairs) {
        return TaskQuery.parse("acme", params(nameValuePairs));
    }

    private static List<Violation> violations(String... nameValuePairs) {
        try {
            parse(nameValuePairs);
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            return e.errors();
        }
        throw new AssertionError("no violation");
    }

    @Test
    void noParametersListEverythingFiftyAtATime() {
        TaskQuery query = parse();

        assertThat(query.tenantId()).isEqualTo("acme");
        assertThat(query.statuses()).isEmpty();
        assertThat(query.types()).isEmpty();
        assertThat(query.priorities()).isEmpty();
        assertThat(query.labels()).isEmpty();
        assertThat(query.createdAfter()).isNull();
        assertThat(query.createdBefore()).isNull();
        assertThat(query.limit()).isEqualTo(50);
        assertThat(query.after()).isNull();
    }

    @Test
    void listFiltersTakeCommaSeparatedAndRepeatedValues() {
        TaskQuery query = parse("status", "QUEUED, FAILED", "status", "QUEUED", "type", "b.x,a-y",
                "priority", "LOW,CRITICAL,");

        assertThat(query.statuses()).containsExactly(TaskStatus.QUEUED, TaskStatus.FAILED);
        assertThat(query.types()).containsExactly("a-y", "b.x");
        assertThat(query.priorities()).containsExactly(Priority.CRITICAL, Priority.LOW);
    }

    @Test
    void labelsRepeatAndTheKeyEndsAtTheFirstColon() {
        TaskQuery query = parse("label", "team:billing", "label", "url:http://x", "label", "empty:",
                "label", "team:billing");

        assertThat(query.labels()).containsExactly(Map.entry("empty", ""), Map.entry("team", "billing"),
                Map.entry("url", "http://x"));
    }

    @Test
    void instantsMayCarryAnOffsetAndEmptyParametersCountAsAbsent() {
        TaskQuery query = parse("createdAfter", "2026-11-28T12:00:00+02:00", "createdBefore", "2026-11-28T11:00:00Z",
                "limit", "", "status", "", "cursor", "");

        assertThat(query.createdAfter()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(query.createdBefore()).isEqualTo(Instant.parse("2026-11-28T11:00:00Z"));
        assertThat(query.limit()).isEqualTo(50);
        assertThat(query.statuses()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "status; queued",
            "status; DONE",
            "priority; URGENT",
            "type; Email.Send",
            "label; team",
            "label; :billing",
            "createdAfter; yesterday",
            "createdBefore; 2026-11-28",
            "limit; 0",
            "limit; 501",
            "limit; ten",
            "cursor; bm90LWEtY3Vyc29y",
            "include; payload",
            "Status; QUEUED"})
    void aBadValueOrAnUnknownParameterIsAViolationNamingIt(String name, String value) {
        assertThat(violations(name, value)).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo(name));
    }

    @Test
    void singleValuedParametersMayNotRepeat() {
        assertThat(violations("limit", "5", "limit", "6", "createdAfter", "2026-11-28T10:00:00Z",
                "createdAfter", "2026-11-28T11:00:00Z", "createdBefore", "2026-11-28T10:00:00Z",
                "createdBefore", "2026-11-28T12:00:00Z", "cursor", "a", "cursor", "b"))
                .extracting(Violation::field).containsExactly("createdAfter", "createdBefore", "limit", "cursor");
    }

    @Test
    void anEmptyOrInvertedTimeRangeAndConflictingLabelsCannotMatchAnything() {
        assertThat(violations("createdAfter", "2026-11-28T10:00:00Z", "createdBefore", "2026-11-28T10:00:00Z"))
                .singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("createdBefore"));
        assertThat(violations("label", "team:a", "label", "team:b"))
                .singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("label"));
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        assertThat(violations("colour", "red", "status", "NOPE", "limit", "-1", "createdBefore", "x"))
                .extracting(Violation::field).containsExactly("colour", "status", "createdBefore", "limit");
    }

    @Test
    void aCursorIsBoundToTheTenantAndTheFiltersButNotToThePageSize() {
        TaskQuery first = parse("status", "QUEUED,FAILED", "label", "team:billing", "limit", "5");
        String cursor = new KeysetCursor(Instant.parse("2026-11-28T10:00:00Z"), UUID.randomUUID())
                .encode(first.scope());

        assertThat(parse("status", "FAILED", "status", "QUEUED", "label", "team:billing", "limit", "7",
                "cursor", cursor).after()).isNotNull();
        assertThat(violations("status", "QUEUED", "label", "team:billing", "cursor", cursor))
                .singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("cursor"));
        assertThatThrownBy(() -> TaskQuery.parse("other", params("status", "QUEUED,FAILED", "label", "team:billing",
                "cursor", cursor))).isInstanceOf(ApiException.class);
    }

    @Test
    void aScheduleIdNarrowsToThatSchedulesTasksAndBindsTheCursor() {
        UUID schedule = UUID.randomUUID();
        TaskQuery query = parse("scheduleId", schedule.toString().toUpperCase(java.util.Locale.ROOT));

        assertThat(query.scheduleId()).isEqualTo(schedule);
        assertThat(parse().scheduleId()).isNull();
        String cursor = new KeysetCursor(Instant.parse("2026-11-28T10:00:00Z"), UUID.randomUUID())
                .encode(query.scope());
        assertThat(parse("scheduleId", schedule.toString(), "cursor", cursor).after()).isNotNull();
        assertThat(violations("scheduleId", UUID.randomUUID().toString(), "cursor", cursor))
                .singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("cursor"));
        assertThat(violations("cursor", cursor)).singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("cursor"));
    }

    @Test
    void aQueryWithoutScheduleIdKeepsTheScopeItHadBefore() {
        assertThat(parse("status", "QUEUED").scope()).doesNotContain("scheduleId");
    }

    @ParameterizedTest
    @CsvSource({"not-a-uuid", "1-1-1-1-1", "0193a5b2-7c1e-7d3f-8a4b"})
    void aScheduleIdMustBeAUuidGivenOnce(String value) {
        assertThat(violations("scheduleId", value)).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("scheduleId");
            assertThat(v.message()).contains(value).contains("UUID");
        });
        assertThat(violations("scheduleId", UUID.randomUUID().toString(), "scheduleId",
                UUID.randomUUID().toString())).singleElement()
                .satisfies(v -> assertThat(v.message()).isEqualTo("must be given at most once"));
    }
}
