package io.taskstream.worker;

import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.taskstream.embedded.SharedInfrastructure;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.worker.support.WorkerHarness;
import tools.jackson.databind.JsonNode;

/**
 * The worker's log as an operator's log shipper reads it: the standalone worker's console in the JSON
 * format (its default; {@code TASKSTREAM_LOG_FORMAT}), one object per line on stdout, with a real task
 * run through it against the shared embedded Kafka and Redis.
 */
@ExtendWith(OutputCaptureExtension.class)
class LogsIT {

    final WorkerHarness harness = new WorkerHarness(SharedInfrastructure.forClass(LogsIT.class));

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void aJsonLogLineAboutATaskCarriesItsIds(CapturedOutput output) {
        harness.startWorker("it-logs-1", WebApplicationType.NONE, Map.of(), "--taskstream.log.format=json");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "log", Map.of("n", 1), 1, 4, 3);

        harness.publish(dispatch);
        harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));

        List<JsonNode> aboutTheTask = jsonLines(output).stream()
                .filter(line -> dispatch.taskId().toString().equals(line.path("task_id").asString(null))).toList();
        assertThat(aboutTheTask).anySatisfy(line -> assertThat(line.get("message").asString())
                .startsWith("Attempt 1 of task " + dispatch.taskId() + " (it-logs-1) ended COMPLETED after "));
        assertThat(aboutTheTask).allSatisfy(line -> {
            assertThat(line.get("tenant_id").asString()).isEqualTo(dispatch.tenantId());
            assertThat(line.get("worker_id").asString()).isEqualTo("it-logs-1");
            assertThat(line.path("trace_id").asString("")).as("trace_id of %s", line).matches("[0-9a-f]{32}");
            assertThat(line.path("span_id").asString("")).as("span_id of %s", line).matches("[0-9a-f]{16}");
            assertThat(line.get("service").asString()).isEqualTo("taskstream-worker");
            assertThat(line.get("timestamp").asString()).isNotBlank();
            assertThat(line.get("level").asString()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(line.get("logger").asString()).isNotBlank(); // ours, or a library called during the attempt
            assertThat(line.get("thread").asString()).isNotBlank();
        });
    }

    @Test
    void aSecretAPayloadCarriesIsMaskedInTheJsonLog(CapturedOutput output) {
        harness.startWorker("it-logs-2", WebApplicationType.NONE, Map.of(), "--taskstream.log.format=json");
        String secret = "hunter2-" + UUID.randomUUID();
        // the log sample handler writes its payload to the log: the one place a payload is logged on purpose
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "log", Map.of("user", "ann", "password", secret), 1, 4, 3);

        harness.publish(dispatch);
        harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));

        assertThat(jsonLines(output)).anySatisfy(line -> assertThat(line.get("message").asString())
                .contains("\"password\":\"****\"").contains("\"user\":\"ann\""));
        assertThat(output.getAll()).doesNotContain(secret);
    }

    @Test
    void theTextFormatIsOneReadableLinePerEventWithTheTasksIds(CapturedOutput output) {
        harness.startWorker("it-logs-3", WebApplicationType.NONE, Map.of(), "--taskstream.log.format=text");
        TaskDispatch dispatch = dispatch(UUID.randomUUID(), "log", Map.of("n", 3), 1, 4, 3);

        harness.publish(dispatch);
        harness.awaitSeen(s -> s.hasResult(dispatch.taskId()));

        String ended = "Attempt 1 of task " + dispatch.taskId() + " (it-logs-3) ended COMPLETED";
        assertThat(output.getOut().lines().filter(line -> line.contains(ended))).singleElement()
                .satisfies(line -> assertThat(line).doesNotStartWith("{")
                        .contains("task_id=" + dispatch.taskId()).contains("tenant_id=" + dispatch.tenantId())
                        .contains("worker_id=it-logs-3").containsPattern("trace_id=[0-9a-f]{32}"));
    }

    /** Every line of stdout that is a JSON object (Logback's own status lines, if any, are not). */
    private static List<JsonNode> jsonLines(CapturedOutput output) {
        return output.getOut().lines().filter(line -> line.startsWith("{"))
                .map(line -> Json.mapper().readTree(line)).toList();
    }
}
