package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.http.JsonBodies;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskStatus;
import tools.jackson.databind.JsonNode;

class TaskBatchTest {

    private static TaskBatch of(String body, int maxSize) {
        return TaskBatch.of(JsonBodies.parseObject(body.getBytes(StandardCharsets.UTF_8)), maxSize);
    }

    @Test
    void theTasksAreKeptAsSentInOrder() {
        TaskBatch batch = of("{\"tasks\": [{\"type\": \"a\"}, 7, null, {\"type\": \"b\"}]}", 4);

        assertThat(batch.tasks()).hasSize(4);
        assertThat(batch.tasks().get(0).get("type").asString()).isEqualTo("a");
        assertThat(batch.tasks().get(1).asInt()).isEqualTo(7);
        assertThat(batch.tasks().get(2).isNull()).isTrue();
        assertThat(batch.tasks().get(3).get("type").asString()).isEqualTo("b");
    }

    @ParameterizedTest(name = "{0} → {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {}                                          | tasks   | is required
            {"tasks": null}                             | tasks   | is required
            {"tasks": {"type": "a"}}                    | tasks   | must be an array
            {"tasks": "a"}                              | tasks   | must be an array
            {"tasks": []}                               | tasks   | at least one task
            {"tasks": [{}, {}, {}]}                     | tasks   | holds 3 tasks; at most 2
            {"tasks": [{}], "priority": "HIGH"}         | priority | unknown field
            """)
    void aBadBatchIsRefusedAsAWhole(String body, String field, String message) {
        assertThatThrownBy(() -> of(body, 2)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.errors()).anySatisfy(v -> {
                assertThat(v.field()).isEqualTo(field);
                assertThat(v.message()).contains(message);
            });
        });
    }

    @Test
    void resultsCarryTheTaskOrTheProblemOfEachTask() {
        TaskView task = new TaskView(UUID.randomUUID(), "acme", "a", null, TaskStatus.PENDING, 0, 4,
                Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, null, null, null, null, Map.of(), null, null, null, null);
        ApiException busy = ApiException.dependencyUnavailable("Kafka is down", Duration.ofSeconds(3), null);

        TaskBatch.Results results = TaskBatch.Results.of(List.of(new TaskSubmitter.Outcome.Created(task),
                new TaskSubmitter.Outcome.Found(task), new TaskSubmitter.Outcome.Rejected(busy)));

        JsonNode json = Json.mapper().readTree(Json.mapper().writeValueAsString(results));
        assertThat(json.get("results")).hasSize(3);
        assertThat(json.get("results").get(0).get("index").asInt()).isZero();
        assertThat(json.get("results").get(0).get("status").asInt()).isEqualTo(202);
        assertThat(json.get("results").get(0).get("task").get("id").asString()).isEqualTo(task.id().toString());
        assertThat(json.get("results").get(0).has("error")).isFalse();
        assertThat(json.get("results").get(1).get("status").asInt()).isEqualTo(200);
        JsonNode failed = json.get("results").get(2);
        assertThat(failed.get("index").asInt()).isEqualTo(2);
        assertThat(failed.get("status").asInt()).isEqualTo(503);
        assertThat(failed.has("task")).isFalse();
        assertThat(results.results().get(2).error().getProperties()).containsEntry("code", "dependency_unavailable");
        assertThat(results.results().get(2).error().getDetail()).isEqualTo("Kafka is down");
    }
}
