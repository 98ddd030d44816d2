package io.taskstream.ingest.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Violation;
import tools.jackson.databind.node.ObjectNode;

class SchedulePatchTest {

    private static SchedulePatch patch(String json) {
        return SchedulePatch.of((ObjectNode) Json.mapper().readTree(json));
    }

    @Test
    void enabledSwitchesTheScheduleOnOrOff() {
        assertThat(patch("{\"enabled\": false}").enabled()).isFalse();
        assertThat(patch("{\"enabled\": true}").enabled()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"enabled\": null}"})
    void enabledIsRequired(String body) {
        assertThatThrownBy(() -> patch(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).containsExactly(new Violation("enabled", "is required"));
        });
    }

    @Test
    void anythingButABooleanAndAnyOtherFieldIsRefusedAllAtOnce() {
        assertThatThrownBy(() -> patch("{\"cron\": \"0 3 * * *\", \"enabled\": \"no\"}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.errors()).containsExactly(
                        new Violation("cron", "unknown field"), new Violation("enabled", "must be true or false")));
    }
}
