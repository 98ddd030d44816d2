package io.taskstream.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class KeysetCursorTest {

    private static final String SCOPE = "tasks|acme|status=QUEUED";
    private static final KeysetCursor CURSOR = new KeysetCursor(Instant.parse("2026-11-28T10:00:00.123456Z"),
            UUID.fromString("0193a8f0-0000-7000-8000-000000000001"));

    private static void assertRefused(String wire, String scope) {
        assertThatThrownBy(() -> KeysetCursor.decode(wire, scope)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("cursor"));
        });
    }

    private static String plain(String wire) {
        return new String(Base64.getUrlDecoder().decode(wire), StandardCharsets.UTF_8);
    }

    private static String wire(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCursorComesBackAsItWentOutAndIsUrlSafe() {
        String wire = CURSOR.encode(SCOPE);

        assertThat(wire).matches("[A-Za-z0-9_-]+");
        assertThat(KeysetCursor.decode(wire, SCOPE)).isEqualTo(CURSOR);
    }

    @Test
    void noCursorMeansFromTheNewest() {
        assertThat(KeysetCursor.decode(null, SCOPE)).isNull();
        assertThat(KeysetCursor.decode("", SCOPE)).isNull();
    }

    @Test
    void aCursorOfAnotherQueryTenantOrListingIsRefused() {
        String wire = CURSOR.encode(SCOPE);

        for (String other : List.of("tasks|acme|status=FAILED", "tasks|other|status=QUEUED", "dlq|acme|")) {
            assertRefused(wire, other);
        }
    }

    @Test
    void anAlteredPositionIsRefused() {
        String[] parts = plain(CURSOR.encode(SCOPE)).split("\\|");
        String earlier = String.join("|", parts[0], "2026-11-28T09:00:00Z", parts[2], parts[3]);
        String otherId = String.join("|", parts[0], parts[1], UUID.randomUUID().toString(), parts[3]);

        assertRefused(wire(earlier), SCOPE);
        assertRefused(wire(otherId), SCOPE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a cursor!", "bm90LWEtY3Vyc29y", "djF8eXwx",
            // the v1 DLQ cursor, which carried no check
            "djF8MjAyNi0xMS0yOFQxMDowMDowMFp8MDE5M2E4ZjAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAx"})
    void anythingElseIsAValidationErrorOnCursor(String wire) {
        assertRefused(wire, SCOPE);
    }

    @Test
    void aCursorOfAnotherVersionIsRefused() {
        String[] parts = plain(CURSOR.encode(SCOPE)).split("\\|");

        assertRefused(wire(String.join("|", "v3", parts[1], parts[2], parts[3])), SCOPE);
    }
}
