package io.taskstream.ingest.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

class DlqCursorTest {

    @Test
    void aCursorComesBackAsItWentOutAndIsUrlSafe() {
        DlqCursor cursor = new DlqCursor(Instant.parse("2026-11-28T10:00:00.123456Z"), UUID.randomUUID());

        String wire = cursor.encode();

        assertThat(wire).matches("[A-Za-z0-9_-]+");
        assertThat(DlqCursor.decode(wire)).isEqualTo(cursor);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a cursor!", "bm90LWEtY3Vyc29y", "djF8eXwx"})
    void anythingElseIsAValidationErrorOnCursor(String wire) {
        assertThatThrownBy(() -> DlqCursor.decode(wire)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).singleElement().satisfies(v -> assertThat(v.field()).isEqualTo("cursor"));
        });
    }

    @Test
    void aCursorOfAnotherVersionIsRefused() {
        String v2 = Base64.getUrlEncoder().encodeToString(
                ("v2|2026-11-28T10:00:00Z|" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> DlqCursor.decode(v2)).isInstanceOf(ApiException.class);
    }
}
