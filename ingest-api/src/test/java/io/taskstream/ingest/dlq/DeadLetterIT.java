package io.taskstream.ingest.dlq;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.audit.AuditTrail;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.JsonNode;

/**
 * The dead-letter queue against real Kafka and Postgres. The scheduler does not run: tests play it by
 * publishing {@code DeadLetter}s to {@code dlq} and {@code TaskEvent}s to {@code events}, and read the
 * {@code REPLAY} commands the API sends on {@code control}. Each test uses task types of its own, so
 * that it lists only its own dead letters.
 */
class DeadLetterIT extends ApiWithKafkaIt {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(DeadLetterIT.class, registry);
    }

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    KeyRepository keys;
    @Autowired
    AuditTrail audit;
    @Autowired
    IngestProperties properties;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ConcurrentMessageListenerContainer<String, byte[]> dlqContainer;

    private static String newType() {
        return "dlq-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static TaskSubmission submission(UUID id, String tenant, String type) {
        return new TaskSubmission(id, tenant, type, Json.mapper().createObjectNode().put("n", 1), Priority.LOW, null,
                null, 2, null, null, "key-" + id, null, Map.of("team", "billing"), false, null, T0);
    }

    private static Execution failedAttempt(int attempt) {
        Instant start = T0.plusSeconds(60L * attempt);
        return new Execution(attempt, "worker-1", start, start.plusSeconds(1), AttemptOutcome.FAILED,
                TaskError.retryable("handler_error", "boom " + attempt), null);
    }

    private static DeadLetter deadLetter(TaskSubmission s, Instant at) {
        return new DeadLetter(s.id(), s.tenantId(), "attempts_exhausted", "handler_error: boom 2", at, s,
                List.of(failedAttempt(1), failedAttempt(2)), null);
    }

    /** The events of a task that failed twice and was dead-lettered (versions 1–5). */
    private static List<TaskEvent> lifeOf(TaskSubmission s) {
        TaskEvent retry = TaskEvent.statusChange(s.id(), s.tenantId(), 3, TaskStatus.RETRY_SCHEDULED,
                        T0.plusSeconds(61), 1)
                .withExecution(failedAttempt(1)).withOutcome(null, failedAttempt(1).error());
        return List.of(TaskEvent.admitted(s, 1, TaskStatus.QUEUED, T0, T0),
                TaskEvent.statusChange(s.id(), s.tenantId(), 2, TaskStatus.PROCESSING, T0.plusSeconds(60), 1)
                        .withExecution(new Execution(1, "worker-1", T0.plusSeconds(60), null, null, null, null)),
                retry,
                TaskEvent.statusChange(s.id(), s.tenantId(), 4, TaskStatus.PROCESSING, T0.plusSeconds(120), 2)
                        .withExecution(new Execution(2, "worker-1", T0.plusSeconds(120), null, null, null, null)),
                TaskEvent.statusChange(s.id(), s.tenantId(), 5, TaskStatus.FAILED, T0.plusSeconds(121), 2)
                        .withExecution(failedAttempt(2)).withOutcome(null, failedAttempt(2).error()));
    }

    /** A task of the default tenant that the scheduler dead-lettered at {@code at}: its events and its dead letter. */
    private TaskSubmission deadLettered(String type, Instant at) {
        TaskSubmission s = submission(UUID.randomUUID(), "default", type);
        lifeOf(s).forEach(e -> kafka.publish(topics.events(), s.id().toString(), e));
        kafka.publish(topics.dlq(), s.id().toString(), deadLetter(s, at));
        return s;
    }

    private void awaitProjections() {
        kafka.awaitCommitted(properties.projectionGroupId(), topics.events());
        kafka.awaitCommitted(properties.dlqProjectionGroupId(), topics.dlq());
    }

    private JsonNode list(String query) {
        HttpResponse<String> response = api.getAuthorized("/api/v1/dlq" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private static List<String> ids(JsonNode page) {
        return page.get("items").valueStream().map(i -> i.get("id").asString()).toList();
    }

    private List<ControlCommand> commands(UUID taskId) {
        return kafka.values(topics.control(), taskId.toString(), ControlCommand.class);
    }

    private double records(String outcome) {
        return meters.get("taskstream.dlq.records").tag("outcome", outcome).counter().count();
    }

    @Test
    void deadLetteredTasksAreListedNewestFirstWithWhenAndWhy() {
        String type = newType();
        TaskSubmission older = deadLettered(type, T0.plusSeconds(200));
        TaskSubmission newer = deadLettered(type, T0.plusSeconds(300));
        awaitProjections();

        JsonNode page = list("?type=" + type);

        assertThat(ids(page)).containsExactly(newer.id().toString(), older.id().toString());
        assertThat(page.get("nextCursor").isNull()).isTrue();
        JsonNode item = page.get("items").get(0);
        assertThat(item.propertyNames()).containsExactlyInAnyOrder("id", "tenantId", "type", "priority", "status",
                "attempts", "maxAttempts", "runAt", "createdAt", "updatedAt", "startedAt", "finishedAt", "result",
                "lastError", "labels", "orderingKey", "scheduleId", "traceId", "progress", "deadLetteredAt",
                "reason");
        assertThat(item.get("status").asString()).isEqualTo("FAILED");
        assertThat(item.get("type").asString()).isEqualTo(type);
        assertThat(item.get("attempts").asInt()).isEqualTo(2);
        assertThat(item.get("lastError").get("message").asString()).isEqualTo("boom 2");
        assertThat(Instant.parse(item.get("deadLetteredAt").asString())).isEqualTo(T0.plusSeconds(300));
        assertThat(item.get("reason").asString()).isEqualTo("attempts_exhausted");
    }

    @Test
    void pagesFollowTheOpaqueCursorWithoutGapsOrRepeats() {
        String type = newType();
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            newestFirst.addFirst(deadLettered(type, T0.plusSeconds(1000 + i)).id().toString());
        }
        // two dead-lettered at the same instant: the task id breaks the tie
        TaskSubmission tieA = deadLettered(type, T0.plusSeconds(999));
        TaskSubmission tieB = deadLettered(type, T0.plusSeconds(999));
        // Postgres orders uuids as unsigned bytes, like their hex text (UUID.compareTo compares signed longs)
        List.of(tieA.id().toString(), tieB.id().toString()).stream().sorted(java.util.Comparator.reverseOrder())
                .forEach(newestFirst::add);
        awaitProjections();

        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        JsonNode page = list("?type=" + type + "&limit=3");
        while (true) {
            seen.addAll(ids(page));
            sizes.add(page.get("items").size());
            if (page.get("nextCursor").isNull()) {
                break;
            }
            page = list("?type=" + type + "&limit=3&cursor="
                    + URLEncoder.encode(page.get("nextCursor").asString(), StandardCharsets.UTF_8));
        }

        assertThat(seen).isEqualTo(newestFirst);
        assertThat(sizes).containsExactly(3, 3, 1);
    }

    @Test
    void theTypeFilterOnlyListsThatType() {
        String mine = newType();
        String other = newType();
        TaskSubmission wanted = deadLettered(mine, T0.plusSeconds(10));
        deadLettered(other, T0.plusSeconds(20));
        awaitProjections();

        assertThat(ids(list("?type=" + mine))).containsExactly(wanted.id().toString());
        assertThat(ids(list("?limit=500"))).contains(wanted.id().toString());
    }

    @Test
    void aDeadLetterThatArrivesBeforeTheTasksEventsIsListedFromWhatItCarries() {
        String type = newType();
        TaskSubmission s = submission(UUID.randomUUID(), "default", type);
        kafka.publish(topics.dlq(), s.id().toString(), deadLetter(s, T0.plusSeconds(500)));
        awaitProjections();

        JsonNode early = list("?type=" + type).get("items").get(0);
        assertThat(early.get("id").asString()).isEqualTo(s.id().toString());
        assertThat(early.get("status").asString()).isEqualTo("FAILED");
        assertThat(early.get("priority").asString()).isEqualTo("LOW");
        assertThat(early.get("attempts").asInt()).isEqualTo(2);
        assertThat(early.get("maxAttempts").asInt()).isEqualTo(2);
        assertThat(early.get("labels").get("team").asString()).isEqualTo("billing");
        assertThat(early.get("lastError").get("message").asString()).isEqualTo("boom 2");

        lifeOf(s).forEach(e -> kafka.publish(topics.events(), s.id().toString(), e));
        awaitProjections();

        JsonNode late = list("?type=" + type).get("items").get(0);
        assertThat(late.get("status").asString()).isEqualTo("FAILED");
        assertThat(Instant.parse(late.get("startedAt").asString())).as("from the events")
                .isEqualTo(T0.plusSeconds(60));
        assertThat(Instant.parse(late.get("updatedAt").asString())).isEqualTo(T0.plusSeconds(121));
    }

    @Test
    void anInvalidRecordsDeadLetterGetsItsTypeFromTheTasksFailedEvent() {
        String type = newType();
        UUID id = UUID.randomUUID();
        kafka.publish(topics.dlq(), id.toString(), new DeadLetter(id, "default", "invalid_record",
                "payload: must be an object", T0.plusSeconds(5), null, List.of(),
                new DeadLetter.SourceRecord("x.submit.normal", 0, 7, id.toString(), "{}", "utf-8")));
        awaitProjections();
        assertThat(list("?type=" + type).get("items")).isEmpty();

        kafka.publish(topics.events(), id.toString(), new TaskEvent(id, "default", 1, TaskStatus.FAILED,
                T0.plusSeconds(5), type, Priority.NORMAL, 0, null, null, T0, null, null, null, null, null, null,
                TaskError.permanent("invalid_record", "payload: must be an object"), null));
        awaitProjections();

        JsonNode item = list("?type=" + type).get("items").get(0);
        assertThat(item.get("id").asString()).isEqualTo(id.toString());
        assertThat(item.get("reason").asString()).isEqualTo("invalid_record");
        assertThat(item.get("lastError").get("code").asString()).isEqualTo("invalid_record");

        // nothing valid to run again: the scheduler would ignore a REPLAY, so the API refuses it
        assertProblem(api.authorized("POST", "/api/v1/dlq/" + id + ":replay", null), 409, "conflict");
        assertThat(json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"))
                .get("replayed").asInt()).isZero();
        assertThat(commands(id)).isEmpty();
        assertThat(api.authorized("DELETE", "/api/v1/dlq/" + id, null).statusCode()).isEqualTo(204);
    }

    @Test
    void recordsWithoutATaskAreOnlyCounted() {
        long rowsBefore = jdbc.queryForObject("SELECT count(*) FROM dead_letters", Long.class);
        double withoutTaskBefore = records("without_task");
        double unreadableBefore = records("unreadable");

        kafka.publish(topics.dlq(), "garbage-key", new DeadLetter(null, null, "unreadable_record", "not JSON",
                T0, null, null, new DeadLetter.SourceRecord("x.submit.low", 1, 3, "garbage-key", "AAE=", "base64")));
        kafka.publishRaw(topics.dlq(), "k", "{not json".getBytes(StandardCharsets.UTF_8));
        awaitProjections();

        assertThat(records("without_task")).isEqualTo(withoutTaskBefore + 1);
        assertThat(records("unreadable")).isEqualTo(unreadableBefore + 1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM dead_letters", Long.class)).isEqualTo(rowsBefore);
    }

    @Test
    void aDeadLetterTheDatabaseRefusesIsSkippedAndTheRestOfItsBatchApplied() {
        jdbc.execute("ALTER TABLE dead_letters ADD CONSTRAINT it_no_poison CHECK (reason <> 'poison')");
        try {
            String type = newType();
            TaskSubmission good = submission(UUID.randomUUID(), "default", type);
            TaskSubmission poisoned = submission(UUID.randomUUID(), "default", type);
            double rejectedBefore = records("rejected");
            dlqContainer.stop();
            try {
                kafka.publish(topics.dlq(), poisoned.id().toString(), new DeadLetter(poisoned.id(), "default",
                        "poison", null, T0.plusSeconds(7), poisoned, List.of(), null));
                kafka.publish(topics.dlq(), good.id().toString(), deadLetter(good, T0.plusSeconds(8)));
            } finally {
                dlqContainer.start();
            }
            awaitProjections();

            assertThat(ids(list("?type=" + type))).containsExactly(good.id().toString());
            assertThat(records("rejected")).isEqualTo(rejectedBefore + 1);
        } finally {
            jdbc.execute("ALTER TABLE dead_letters DROP CONSTRAINT it_no_poison");
        }
    }

    @Test
    void theDetailShowsEveryAttempt() {
        TaskSubmission s = deadLettered(newType(), T0.plusSeconds(130));
        awaitProjections();

        HttpResponse<String> response = api.getAuthorized("/api/v1/dlq/" + s.id());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode detail = json(response);
        assertThat(detail.get("id").asString()).isEqualTo(s.id().toString());
        assertThat(detail.get("status").asString()).isEqualTo("FAILED");
        assertThat(detail.get("reason").asString()).isEqualTo("attempts_exhausted");
        assertThat(detail.get("detail").asString()).isEqualTo("handler_error: boom 2");
        assertThat(Instant.parse(detail.get("deadLetteredAt").asString())).isEqualTo(T0.plusSeconds(130));
        assertThat(detail.get("executions").valueStream()
                .map(x -> x.get("attempt").asInt() + ":" + x.get("outcome").asString() + ":"
                        + x.get("error").get("message").asString()))
                .containsExactly("1:FAILED:boom 1", "2:FAILED:boom 2");
    }

    @Test
    void replayingSendsReplayAndTakesTheTaskOutOfTheQueue() {
        String type = newType();
        TaskSubmission s = deadLettered(type, T0.plusSeconds(140));
        awaitProjections();

        HttpResponse<String> response = api.authorized("POST", "/api/v1/dlq/" + s.id() + ":replay", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(json(response).get("id").asString()).isEqualTo(s.id().toString());
        assertThat(commands(s.id())).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ControlCommand.Kind.REPLAY);
            assertThat(c.tenantId()).isEqualTo("default");
            assertThat(c.requestedBy()).as("the id of the key that asked").isEqualTo(keys.findByPrefix("it")
                    .orElseThrow().id().toString());
        });
        assertThat(list("?type=" + type).get("items")).isEmpty();
        assertProblem(api.getAuthorized("/api/v1/dlq/" + s.id()), 404, "not_found");
        assertProblem(api.authorized("POST", "/api/v1/dlq/" + s.id() + ":replay", null), 404, "not_found");
        assertThat(commands(s.id())).as("nothing sent for a task not in the queue").hasSize(1);
        audit.flush();
        assertThat(jdbc.queryForList("SELECT action || ' ' || status FROM audit_log WHERE resource_id = ? "
                + "ORDER BY chain_seq", String.class, s.id().toString()))
                .as("the replay, then the refused second one").containsExactly("dlq.replay 202", "dlq.replay 404");
    }

    @Test
    void theReplayCommandCarriesTheDeadLettersSubmissionAndTheProjectionsVersion() {
        String type = newType();
        TaskSubmission single = deadLettered(type, T0.plusSeconds(141));
        TaskSubmission bulk = deadLettered(type, T0.plusSeconds(142));
        awaitProjections();
        // the projection holds the task at its FAILED event's version (5, see lifeOf)
        assertThat(jdbc.queryForObject("SELECT version FROM tasks WHERE id = ?", Long.class, single.id()))
                .isEqualTo(5L);

        assertThat(api.authorized("POST", "/api/v1/dlq/" + single.id() + ":replay", null).statusCode())
                .isEqualTo(202);
        assertThat(json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"))
                .get("replayed").asInt()).isEqualTo(1);

        // so the scheduler can run it again after purging its state, with versions above the FAILED row's
        assertThat(commands(single.id())).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(ControlCommand.Kind.REPLAY);
            assertThat(c.submission()).isEqualTo(single);
            assertThat(c.lastVersion()).isEqualTo(5L);
        });
        assertThat(commands(bulk.id())).singleElement().satisfies(c -> {
            assertThat(c.submission()).isEqualTo(bulk);
            assertThat(c.lastVersion()).isEqualTo(5L);
        });
    }

    @Test
    void aDeadLetterRowWithoutAUsableSubmissionIsReplayedWithABareCommand() {
        String type = newType();
        TaskSubmission none = deadLettered(type, T0.plusSeconds(143));
        TaskSubmission foreign = deadLettered(type, T0.plusSeconds(144));
        TaskSubmission unreadable = deadLettered(type, T0.plusSeconds(145));
        awaitProjections();
        // as rows projected before the submission column existed, or damaged ones
        jdbc.update("UPDATE dead_letters SET submission = NULL WHERE task_id = ?", none.id());
        jdbc.update("UPDATE dead_letters SET submission = (SELECT submission FROM dead_letters WHERE task_id = ?)"
                + " WHERE task_id = ?", unreadable.id(), foreign.id());
        jdbc.update("UPDATE dead_letters SET submission = '{\"type\": 7}'::jsonb WHERE task_id = ?", unreadable.id());

        assertThat(api.authorized("POST", "/api/v1/dlq/" + none.id() + ":replay", null).statusCode()).isEqualTo(202);
        assertThat(json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"))
                .get("replayed").asInt()).isEqualTo(2);

        for (TaskSubmission s : List.of(none, foreign, unreadable)) {
            assertThat(commands(s.id())).as("task %s", s.id()).singleElement().satisfies(c -> {
                assertThat(c.kind()).isEqualTo(ControlCommand.Kind.REPLAY);
                assertThat(c.submission()).isNull();
                assertThat(c.lastVersion()).isNull();
            });
        }
        assertThat(list("?type=" + type).get("items")).isEmpty();
    }

    @Test
    void aReplayedTaskThatFailsAgainIsBackInTheQueueAndARedeliveryChangesNothing() {
        String type = newType();
        TaskSubmission s = deadLettered(type, T0.plusSeconds(150));
        awaitProjections();
        assertThat(api.authorized("POST", "/api/v1/dlq/" + s.id() + ":replay", null).statusCode()).isEqualTo(202);

        kafka.publish(topics.dlq(), s.id().toString(), deadLetter(s, T0.plusSeconds(150)));
        awaitProjections();
        assertThat(list("?type=" + type).get("items")).as("the same dead letter again").isEmpty();

        kafka.publish(topics.dlq(), s.id().toString(), deadLetter(s, T0.plusSeconds(900)));
        awaitProjections();

        JsonNode items = list("?type=" + type).get("items");
        assertThat(ids(list("?type=" + type))).containsExactly(s.id().toString());
        assertThat(Instant.parse(items.get(0).get("deadLetteredAt").asString())).isEqualTo(T0.plusSeconds(900));
    }

    @Test
    void bulkReplayTakesTheOldestMatchingOnes() {
        String type = newType();
        TaskSubmission first = deadLettered(type, T0.plusSeconds(10));
        TaskSubmission second = deadLettered(type, T0.plusSeconds(20));
        TaskSubmission third = deadLettered(type, T0.plusSeconds(30));
        TaskSubmission tooRecent = deadLettered(type, T0.plusSeconds(40));
        TaskSubmission otherType = deadLettered(newType(), T0.plusSeconds(5));
        awaitProjections();

        HttpResponse<String> response = api.authorized("POST", "/api/v1/dlq:replay", """
                {"type": "%s", "failedBefore": "%s", "limit": 2}""".formatted(type, T0.plusSeconds(40)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode result = json(response);
        assertThat(result.get("replayed").asInt()).isEqualTo(2);
        assertThat(result.get("taskIds").valueStream().map(JsonNode::asString))
                .containsExactly(first.id().toString(), second.id().toString());
        assertThat(commands(first.id())).extracting(ControlCommand::kind).containsExactly(ControlCommand.Kind.REPLAY);
        assertThat(commands(second.id())).hasSize(1);
        assertThat(commands(third.id())).isEmpty();
        assertThat(ids(list("?type=" + type))).containsExactly(tooRecent.id().toString(), third.id().toString());

        JsonNode rest = json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"));
        assertThat(rest.get("replayed").asInt()).isEqualTo(2);
        assertThat(list("?type=" + type).get("items")).isEmpty();
        assertThat(commands(otherType.id())).isEmpty();

        JsonNode none = json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"));
        assertThat(none.get("replayed").asInt()).isZero();
        assertThat(none.get("taskIds")).isEmpty();
    }

    @Test
    void bulkReplayRequestsAreValidated() {
        JsonNode problem = assertProblem(api.authorized("POST", "/api/v1/dlq:replay",
                "{\"limit\": 1001, \"failedBefore\": \"yesterday\", \"type\": 3, \"colour\": \"red\"}"), 400,
                "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString()))
                .containsExactlyInAnyOrder("limit", "failedBefore", "type", "colour");
        assertProblem(api.authorized("POST", "/api/v1/dlq:replay", "{\"limit\": 0}"), 400, "validation_failed");
        assertProblem(api.authorized("POST", "/api/v1/dlq:replay", ""), 400, "malformed_request");
        assertProblem(api.send("POST", "/api/v1/dlq:replay", "{}", "Authorization", "Bearer " + ItSupport.ADMIN_KEY,
                "Content-Type", "text/plain"), 415, "unsupported_media_type");
    }

    @Test
    void purgingTakesTheTaskOutOfTheQueueAndItStaysFailed() {
        String type = newType();
        TaskSubmission s = deadLettered(type, T0.plusSeconds(160));
        awaitProjections();

        HttpResponse<String> response = api.authorized("DELETE", "/api/v1/dlq/" + s.id(), null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(list("?type=" + type).get("items")).isEmpty();
        assertProblem(api.getAuthorized("/api/v1/dlq/" + s.id()), 404, "not_found");
        assertProblem(api.authorized("DELETE", "/api/v1/dlq/" + s.id(), null), 404, "not_found");
        assertThat(json(api.getAuthorized("/api/v1/tasks/" + s.id())).get("status").asString()).isEqualTo("FAILED");
        assertThat(commands(s.id())).as("a purge tells the scheduler nothing").isEmpty();

        kafka.publish(topics.dlq(), s.id().toString(), deadLetter(s, T0.plusSeconds(160)));
        awaitProjections();
        assertThat(list("?type=" + type).get("items")).as("a redelivered dead letter stays purged").isEmpty();
    }

    @Test
    void anotherTenantsDeadLettersAreInvisible() {
        String type = newType();
        TaskSubmission foreign = submission(UUID.randomUUID(), "other", type);
        lifeOf(foreign).forEach(e -> kafka.publish(topics.events(), foreign.id().toString(), e));
        kafka.publish(topics.dlq(), foreign.id().toString(), deadLetter(foreign, T0.plusSeconds(170)));
        // a dead letter claiming for the default tenant a task that is another tenant's
        TaskSubmission hijack = submission(foreign.id(), "default", type);
        kafka.publish(topics.dlq(), foreign.id().toString(), deadLetter(hijack, T0.plusSeconds(171)));
        awaitProjections();

        assertThat(jdbc.queryForObject("SELECT tenant_id FROM dead_letters WHERE task_id = ?", String.class,
                foreign.id())).isEqualTo("other");
        assertThat(list("?type=" + type).get("items")).isEmpty();
        String path = "/api/v1/dlq/" + foreign.id();
        assertProblem(api.getAuthorized(path), 404, "not_found");
        assertProblem(api.authorized("POST", path + ":replay", null), 404, "not_found");
        assertProblem(api.authorized("DELETE", path, null), 404, "not_found");
        assertThat(json(api.authorized("POST", "/api/v1/dlq:replay", "{\"type\": \"" + type + "\"}"))
                .get("replayed").asInt()).isZero();
        assertThat(commands(foreign.id())).isEmpty();
    }

    @Test
    void listingParametersAreValidated() {
        assertProblem(api.getAuthorized("/api/v1/dlq?limit=0"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/dlq?limit=501"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/dlq?limit=ten"), 400, "validation_failed");
        JsonNode cursor = assertProblem(api.getAuthorized("/api/v1/dlq?cursor=bm90LWEtY3Vyc29y"), 400,
                "validation_failed");
        assertThat(cursor.get("errors").get(0).get("field").asString()).isEqualTo("cursor");
        assertThat(list("?limit=500").get("items").size()).isLessThanOrEqualTo(500);
    }

    @Test
    void colonPathsRouteToTheirEndpointsOnly() {
        UUID unknown = UUID.randomUUID();

        assertProblem(api.authorized("POST", "/api/v1/dlq/" + unknown + ":replay", null), 404, "not_found");
        assertProblem(api.authorized("POST", "/api/v1/dlq/" + unknown, null), 405, "method_not_allowed");
        assertProblem(api.authorized("POST", "/api/v1/dlq/" + unknown + ":purge", null), 405, "method_not_allowed");
        assertProblem(api.authorized("DELETE", "/api/v1/dlq/" + unknown + ":replay", null), 404, "not_found");
        assertProblem(api.authorized("GET", "/api/v1/dlq:replay", null), 405, "method_not_allowed");
        assertProblem(api.get("/api/v1/dlq:replay"), 401, "unauthenticated");
        assertProblem(api.post("/api/v1/dlq/" + unknown + ":replay", ""), 401, "unauthenticated");
    }
}
