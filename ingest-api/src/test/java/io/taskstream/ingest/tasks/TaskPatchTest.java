package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Priority;

class TaskPatchTest {

    private static TaskPatch patch(String body) {
        return TaskPatch.of(JsonBodies.parseObject(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @EnumSource(Priority.class)
    void everyPriorityCanBeAskedFor(Priority priority) {
        assertThat(patch("{\"priority\": \"" + priority + "\"}").priority()).isEqualTo(priority);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {}                                      | priority
            {"priority": null}                      | priority
            {"priority": "high"}                    | priority
            {"priority": "URGENT"}                  | priority
            {"priority": 1}                         | priority
            {"priority": "HIGH", "maxAttempts": 3}  | maxAttempts
            """)
    void anythingElseIsAValidationErrorNamingItsField(String body, String field) {
        assertThatThrownBy(() -> patch(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).extracting(v -> v.field()).containsExactly(field);
        });
    }
}
