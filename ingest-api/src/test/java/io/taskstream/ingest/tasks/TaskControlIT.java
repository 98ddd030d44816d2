package io.taskstream.ingest.tasks;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.projection.TaskEvents;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import tools.jackson.databind.JsonNode;

/**
 * Cancel ({@code DELETE /tasks/{id}}), re-prioritise ({@code PATCH /tasks/{id}}) and the attempts of a
 * task, against real Kafka, Postgres and Redis. The scheduler does not run: tests play it by publishing
 * {@code TaskEvent}s, and read the {@code ControlCommand}s the API sends it.
 */
class TaskControlIT extends ApiWithKafkaIt {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(TaskControlIT.class, registry);
    }

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Autowired
    KeyRepository keys;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    StringRedisTemplate redis;
    @Autowired
    IngestProperties properties;

    /** A task the scheduler has taken through {@code events}, up to {@code status} (version 2). */
    private UUID taskIn(TaskStatus status) {
        TaskEvents task = TaskEvents.of(UUID.randomUUID(), "default", T0);
        kafka.publish(topics.events(), task.taskId().toString(), task.admitted());
        if (status != TaskStatus.QUEUED) {
            kafka.publish(topics.events(), task.taskId().toString(),
                    TaskEvent.statusChange(task.taskId(), "default", 2, status, T0.plusSeconds(1), 1));
        }
        kafka.awaitCommitted(properties.projectionGroupId(), topics.events());
        return task.taskId();
    }

    private UUID submitted() {
        HttpResponse<String> accepted = api.submit("{\"type\": \"email.send\", \"payload\": {}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        return UUID.fromString(json(accepted).get("id").asString());
    }

    private List<ControlCommand> commands(UUID taskId) {
        return kafka.values(topics.control(), taskId.toString(), ControlCommand.class);
    }

    private String flagKey(UUID taskId) {
        return "taskstream:cancel:" + taskId;
    }

    @Test
    void cancellingATaskKnownOnlyByItsPendingRowSetsTheFlagAndSendsCancel() {
        UUID id = submitted();
        Instant before = Instant.now();

        HttpResponse<String> response = api.authorized("DELETE", "/api/v1/tasks/" + id, null,
                "traceparent", TRACEPARENT);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(json(response).get("id").asString()).isEqualTo(id.toString());
        assertThat(json(response).get("status").asString()).as("the task as it is now").isEqualTo("PENDING");

        String flag = redis.opsForValue().get(flagKey(id));
        assertThat(flag).isNotNull();
        assertThat(Instant.parse(flag)).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(redis.getExpire(flagKey(id), TimeUnit.SECONDS))
                .isBetween(Duration.ofDays(7).minusMinutes(1).toSeconds(), Duration.ofDays(7).toSeconds());

        List<ConsumerRecord<String, byte[]>> records = kafka.records(topics.control()).stream()
                .filter(r -> r.key().equals(id.toString())).toList();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(new String(r.headers().lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                    .isEqualTo("control-command/v1");
            assertThat(new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .as("the caller's trace, the API's request span as the parent")
                    .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01");
        });
        assertThat(commands(id)).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ControlCommand.Kind.CANCEL);
            assertThat(c.taskId()).isEqualTo(id);
            assertThat(c.tenantId()).isEqualTo("default");
            assertThat(c.priority()).isNull();
            assertThat(c.requestedAt()).isEqualTo(Instant.parse(flag));
            assertThat(c.requestedBy()).as("the id of the key that asked").isEqualTo(keys.findByPrefix("it")
                    .orElseThrow().id().toString());
        });
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"SCHEDULED", "QUEUED", "PROCESSING", "RETRY_SCHEDULED"})
    void aTaskThatHasNotFinishedCanBeCancelled(TaskStatus status) {
        UUID id = taskIn(status);

        HttpResponse<String> response = api.authorized("DELETE", "/api/v1/tasks/" + id, null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(json(response).get("status").asString()).isEqualTo(status.name());
        assertThat(redis.hasKey(flagKey(id))).isTrue();
        assertThat(commands(id)).extracting(ControlCommand::kind).containsExactly(ControlCommand.Kind.CANCEL);
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"COMPLETED", "FAILED", "CANCELLED"})
    void aFinishedTaskCannotBeCancelled(TaskStatus status) {
        UUID id = taskIn(status);

        JsonNode problem = assertProblem(api.authorized("DELETE", "/api/v1/tasks/" + id, null), 409, "conflict");

        assertThat(problem.get("detail").asString()).contains(status.name());
        assertThat(redis.hasKey(flagKey(id))).isFalse();
        assertThat(commands(id)).isEmpty();
    }

    @Test
    void unknownAndOtherTenantsTasksCannotBeCancelledOrChanged() {
        UUID foreign = UUID.randomUUID();
        jdbc.update("INSERT INTO tasks (id, tenant_id, type, status, version, created_at, updated_at) "
                + "VALUES (?, 'other', 'a', 'QUEUED', 1, now(), now())", foreign);

        for (String id : List.of(foreign.toString(), UUID.randomUUID().toString(), "not-a-uuid")) {
            assertProblem(api.authorized("DELETE", "/api/v1/tasks/" + id, null), 404, "not_found");
            assertProblem(api.authorized("PATCH", "/api/v1/tasks/" + id, "{\"priority\": \"HIGH\"}"), 404,
                    "not_found");
            assertProblem(api.authorized("GET", "/api/v1/tasks/" + id + "/executions", null), 404, "not_found");
        }
        assertThat(redis.hasKey(flagKey(foreign))).isFalse();
        assertThat(commands(foreign)).isEmpty();
    }

    @Test
    void reprioritisingAWaitingTaskSendsTheNewPriority() {
        UUID pending = submitted();
        UUID retrying = taskIn(TaskStatus.RETRY_SCHEDULED);

        HttpResponse<String> first = api.authorized("PATCH", "/api/v1/tasks/" + pending, "{\"priority\": \"HIGH\"}");
        HttpResponse<String> second = api.send("PATCH", "/api/v1/tasks/" + retrying, "{\"priority\": \"LOW\"}",
                "Authorization", "Bearer " + ItSupport.ADMIN_KEY, "Content-Type", "application/merge-patch+json");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(json(first).get("priority").asString()).as("the task as it is now").isEqualTo("NORMAL");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(202);
        assertThat(commands(pending)).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ControlCommand.Kind.REPRIORITIZE);
            assertThat(c.priority()).isEqualTo(Priority.HIGH);
            assertThat(c.tenantId()).isEqualTo("default");
        });
        assertThat(commands(retrying)).extracting(ControlCommand::priority).containsExactly(Priority.LOW);
        assertThat(redis.hasKey(flagKey(pending))).as("re-prioritising is not cancelling").isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = TaskStatus.class, names = {"PROCESSING", "COMPLETED", "FAILED", "CANCELLED"})
    void aRunningOrFinishedTaskCannotBeReprioritised(TaskStatus status) {
        UUID id = taskIn(status);

        assertProblem(api.authorized("PATCH", "/api/v1/tasks/" + id, "{\"priority\": \"CRITICAL\"}"), 409,
                "conflict");

        assertThat(commands(id)).isEmpty();
    }

    @Test
    void aPatchMayOnlyCarryAKnownPriority() {
        String path = "/api/v1/tasks/" + submitted();

        JsonNode unknown = assertProblem(api.authorized("PATCH", path, "{\"priority\": \"HIGH\", \"type\": \"b\"}"),
                400, "validation_failed");
        JsonNode missing = assertProblem(api.authorized("PATCH", path, "{}"), 400, "validation_failed");
        JsonNode wrong = assertProblem(api.authorized("PATCH", path, "{\"priority\": \"URGENT\"}"), 400,
                "validation_failed");
        assertProblem(api.authorized("PATCH", path, "{\"priority\": "), 400, "malformed_request");
        assertProblem(api.authorized("PATCH", path, "[]"), 400, "validation_failed");
        assertProblem(api.send("PATCH", path, "priority=HIGH", "Authorization", "Bearer " + ItSupport.ADMIN_KEY,
                "Content-Type", "text/plain"), 415, "unsupported_media_type");

        assertThat(unknown.get("errors").valueStream().map(e -> e.get("field").asString())).containsExactly("type");
        assertThat(missing.get("errors").get(0).get("field").asString()).isEqualTo("priority");
        assertThat(wrong.get("errors").get(0).get("message").asString()).contains("CRITICAL", "LOW");
    }

    @Test
    void everyAttemptIsListedOldestFirst() {
        TaskEvents task = TaskEvents.of(UUID.randomUUID(), "default", T0);
        for (TaskEvent event : List.of(task.admitted(), task.processing(2, 1),
                task.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED),
                TaskEvent.statusChange(task.taskId(), "default", 4, TaskStatus.QUEUED, task.startOf(2), 1),
                task.processing(5, 2), task.completed(6, 2))) {
            kafka.publish(topics.events(), task.taskId().toString(), event);
        }
        kafka.awaitCommitted(properties.projectionGroupId(), topics.events());

        HttpResponse<String> response = api.getAuthorized("/api/v1/tasks/" + task.taskId() + "/executions");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode page = json(response);
        assertThat(page.get("nextCursor").isNull()).isTrue();
        assertThat(page.get("items")).hasSize(2);
        JsonNode failed = page.get("items").get(0);
        assertThat(failed.propertyNames()).containsExactlyInAnyOrder("attempt", "workerId", "startedAt",
                "finishedAt", "outcome", "error", "durationMs");
        assertThat(failed.get("attempt").asInt()).isEqualTo(1);
        assertThat(failed.get("workerId").asString()).isEqualTo("worker-1");
        assertThat(Instant.parse(failed.get("startedAt").asString())).isEqualTo(task.startOf(1));
        assertThat(Instant.parse(failed.get("finishedAt").asString())).isEqualTo(task.startOf(1).plusSeconds(1));
        assertThat(failed.get("outcome").asString()).isEqualTo("FAILED");
        assertThat(failed.get("error").get("code").asString()).isEqualTo("handler_error");
        assertThat(failed.get("error").get("message").asString()).isEqualTo("boom 1");
        assertThat(failed.get("durationMs").asLong()).isEqualTo(1000);
        JsonNode completed = page.get("items").get(1);
        assertThat(completed.get("attempt").asInt()).isEqualTo(2);
        assertThat(completed.get("outcome").asString()).isEqualTo("COMPLETED");
        assertThat(completed.get("error").isNull()).isTrue();
    }

    @Test
    void aTaskThatNeverRanHasNoAttempts() {
        HttpResponse<String> response = api.getAuthorized("/api/v1/tasks/" + submitted() + "/executions");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("items")).isEmpty();
    }

    @Test
    void aTaskWaitingToRetryShowsWhenItsNextAttemptIsDueAndItsLastError() {
        TaskEvents task = TaskEvents.of(UUID.randomUUID(), "default", T0);
        kafka.publish(topics.events(), task.taskId().toString(), task.admitted());
        kafka.publish(topics.events(), task.taskId().toString(), task.processing(2, 1));
        kafka.publish(topics.events(), task.taskId().toString(), task.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED));
        kafka.awaitCommitted(properties.projectionGroupId(), topics.events());

        JsonNode view = json(api.getAuthorized("/api/v1/tasks/" + task.taskId()));

        assertThat(view.get("status").asString()).isEqualTo("RETRY_SCHEDULED");
        assertThat(Instant.parse(view.get("runAt").asString())).as("the next attempt's time, not the first's")
                .isEqualTo(task.startOf(1).plusSeconds(5));
        assertThat(view.get("lastError").get("code").asString()).isEqualTo("handler_error");
        assertThat(view.get("lastError").get("message").asString()).isEqualTo("boom 1");
        assertThat(view.get("lastError").get("retryable").asBoolean()).isTrue();
    }
}
