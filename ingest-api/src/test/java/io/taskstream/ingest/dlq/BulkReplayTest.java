package io.taskstream.ingest.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;

class BulkReplayTest {

    private static BulkReplay of(String body) {
        return BulkReplay.of(JsonBodies.parseObject(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anEmptyRequestReplaysTheOldestThousandOfAnyType() {
        assertThat(of("{}")).isEqualTo(new BulkReplay(null, null, 1000));
        assertThat(of("{\"type\": null, \"failedBefore\": null, \"limit\": null}"))
                .isEqualTo(new BulkReplay(null, null, 1000));
    }

    @Test
    void everyFieldNarrowsIt() {
        assertThat(of("{\"type\": \"email.send\", \"failedBefore\": \"2026-11-28T11:00:00+01:00\", \"limit\": 7}"))
                .isEqualTo(new BulkReplay("email.send", Instant.parse("2026-11-28T10:00:00Z"), 7));
        assertThat(of("{\"limit\": 1000}").limit()).isEqualTo(1000);
        assertThat(of("{\"limit\": 1}").limit()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"limit": 0}                        | limit
            {"limit": 1001}                     | limit
            {"limit": 2.5}                      | limit
            {"limit": "10"}                     | limit
            {"limit": 99999999999}              | limit
            {"failedBefore": "2026-11-28"}      | failedBefore
            {"failedBefore": 1764324000}        | failedBefore
            {"type": ""}                        | type
            {"type": ["a"]}                     | type
            {"tenantId": "other"}               | tenantId
            """)
    void anythingOffIsAValidationErrorNamingItsField(String body, String field) {
        assertThatThrownBy(() -> of(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).extracting(v -> v.field()).containsExactly(field);
        });
    }
}
