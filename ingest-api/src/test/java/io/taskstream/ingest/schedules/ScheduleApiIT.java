package io.taskstream.ingest.schedules;

import static io.taskstream.ingest.TestApi.assertProblem;
import static io.taskstream.ingest.TestApi.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.taskstream.ingest.ApiWithKafkaIt;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestKeys;
import io.taskstream.ingest.auth.KeyRepository;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.QueryPlans;
import io.taskstream.ingest.audit.AuditTrail;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.JsonNode;

/**
 * The schedule endpoints against real Kafka, Postgres and Redis: every write in Postgres and on the
 * {@code schedules} topic (key {@code <tenantId>/<scheduleId>}, a tombstone on deletion), fire-time previews in
 * the schedule's zone, pagination, tenants and scopes, every 400 and 409, and a trigger that submits a task
 * through the path of {@code POST /tasks}. The admin key acts for a tenant of this class alone; a second
 * tenant and keys with fewer scopes are stored by the test.
 */
class ScheduleApiIT extends ApiWithKafkaIt {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TENANT = "sched-" + RUN;
    static final String OTHER_TENANT = "sched-other-" + RUN;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(ScheduleApiIT.class, registry);
        registry.add("taskstream.ingest.admin-tenant", () -> TENANT);
    }

    /** Keys with fewer scopes and another tenant's, stored once for the class. */
    static String READ_ONLY_KEY;
    static String TASKS_ONLY_KEY;
    static String OTHER_TENANT_KEY;

    @Autowired
    KeyRepository keyRepository;

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    AuditTrail audit;

    /** Names each test's schedules apart, also on a database shared with earlier runs. */
    String run;

    @BeforeEach
    void setUp() {
        run = UUID.randomUUID().toString().substring(0, 8);
        if (READ_ONLY_KEY == null) {
            READ_ONLY_KEY = TestKeys.store(keyRepository, TENANT, Scope.SCHEDULE_READ, Scope.TASK_READ);
            TASKS_ONLY_KEY = TestKeys.store(keyRepository, TENANT, Scope.TASK_READ, Scope.TASK_CREATE);
            OTHER_TENANT_KEY = TestKeys.store(keyRepository, OTHER_TENANT, Scope.SCHEDULE_READ, Scope.SCHEDULE_WRITE);
        }
    }

    private String body(String name, String cron, String timezone, String extra) {
        return """
                {"name": "%s", "cron": "%s", "timezone": "%s",
                 "task": {"type": "report.generate", "payload": {"ms": 5}, "priority": "LOW", "labels": {"run": "%s"}}%s}
                """.formatted(name, cron, timezone, run, extra.isEmpty() ? "" : ", " + extra);
    }

    private HttpResponse<String> create(String body) {
        return api.authorized("POST", ScheduleController.BASE, body);
    }

    /** Creates a schedule and returns its view. */
    private JsonNode created(String name, String cron, String timezone, String extra) {
        HttpResponse<String> response = create(body(name, cron, timezone, extra));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response);
    }

    private JsonNode get(String path) {
        HttpResponse<String> response = api.getAuthorized(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private HttpResponse<String> as(String key, String method, String path, String body) {
        List<String> headers = new ArrayList<>(List.of("Authorization", "Bearer " + key));
        if (body != null) {
            headers.addAll(List.of("Content-Type", "application/json"));
        }
        return api.send(method, path, body, headers.toArray(String[]::new));
    }

    /** The values on the schedules topic under {@code key}, oldest first; a tombstone is null. */
    private List<ScheduleDefinition> onTopic(String key) {
        return kafka.records(topics.schedules()).stream().filter(r -> key.equals(r.key()))
                .map(r -> JsonSerde.of(ScheduleDefinition.class).deserializer().deserialize(topics.schedules(),
                        r.value()))
                .toList();
    }

    private static List<String> texts(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }

    @Test
    void aNewScheduleIsAnsweredStoredAndOnTheTopicKeyedByTenantAndId() {
        HttpResponse<String> response = create(body("nightly-" + run, "0 2 * * *", "Europe/Berlin", ""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode view = json(response);
        String id = view.get("id").asString();
        assertThat(UUID.fromString(id).version()).isEqualTo(7);
        assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/schedules/" + id);
        assertThat(view.get("tenantId").asString()).isEqualTo(TENANT);
        assertThat(view.get("name").asString()).isEqualTo("nightly-" + run);
        assertThat(view.get("cron").asString()).isEqualTo("0 2 * * *");
        assertThat(view.get("timezone").asString()).isEqualTo("Europe/Berlin");
        assertThat(view.at("/task/type").asString()).isEqualTo("report.generate");
        assertThat(view.at("/task/payload/ms").asInt()).isEqualTo(5);
        assertThat(view.at("/task/priority").asString()).isEqualTo("LOW");
        assertThat(view.at("/task/maxAttempts").asInt()).isEqualTo(4);
        assertThat(view.at("/task/timeout").asString()).isEqualTo("PT5M");
        assertThat(view.at("/task/labels/run").asString()).isEqualTo(run);
        assertThat(view.get("enabled").asBoolean()).isTrue();
        assertThat(view.get("misfirePolicy").asString()).isEqualTo("FIRE_ONCE");
        assertThat(view.get("overlap").asString()).isEqualTo("ALLOW");
        assertThat(view.get("description").asString()).contains("02:00");
        assertThat(texts(view.get("nextRuns"))).hasSize(5)
                .allSatisfy(run -> assertThat(run).matches("\\d{4}-\\d{2}-\\d{2}T02:00:00\\+0[12]:00"));
        assertThat(view.get("lastRunAt").isNull()).isTrue();
        assertThat(view.get("lastTaskId").isNull()).isTrue();
        assertThat(view.get("updatedAt")).isEqualTo(view.get("createdAt"));

        ConsumerRecord<String, byte[]> record = kafka.records(topics.schedules()).stream()
                .filter(r -> (TENANT + "/" + id).equals(r.key())).findFirst().orElseThrow();
        assertThat(new String(record.headers().lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                .isEqualTo("schedule-definition/v1");
        assertThat(onTopic(TENANT + "/" + id)).singleElement().satisfies(d -> {
            assertThat(d.scheduleId().toString()).isEqualTo(id);
            assertThat(d.tenantId()).isEqualTo(TENANT);
            assertThat(d.name()).isEqualTo("nightly-" + run);
            assertThat(d.cron()).isEqualTo("0 2 * * *");
            assertThat(d.timezone()).isEqualTo("Europe/Berlin");
            assertThat(d.task().type()).isEqualTo("report.generate");
            assertThat(d.task().priority()).isEqualTo(Priority.LOW);
            assertThat(d.task().labels()).containsEntry("run", run);
            assertThat(d.enabled()).isTrue();
            assertThat(d.misfirePolicy()).isEqualTo(ScheduleDefinition.MisfirePolicy.FIRE_ONCE);
            assertThat(d.overlap()).isEqualTo(ScheduleDefinition.Overlap.ALLOW);
            assertThat(d.updatedAt()).isEqualTo(Instant.parse(view.get("updatedAt").asString()));
        });

        JsonNode read = get("/api/v1/schedules/" + id);
        assertThat(read.get("task")).isEqualTo(view.get("task"));
        assertThat(read.get("createdAt")).isEqualTo(view.get("createdAt"));
        assertThat(read.get("updatedAt")).isEqualTo(view.get("updatedAt"));
        audit.flush();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM audit_log WHERE tenant_id = ? AND action = "
                + "'schedule.create' AND resource_id = ? AND detail ->> 'name' = ? AND status = 201", Long.class,
                TENANT, id, view.get("name").asString())).isEqualTo(1);
    }

    @Test
    void theTasksBackoffIsShownAsGivenAndTheRestWithItsDefaults() {
        JsonNode view = created("backoff-" + run, "0 2 * * *", "UTC", "").deepCopy();
        String id = view.get("id").asString();
        HttpResponse<String> response = api.authorized("PUT", "/api/v1/schedules/" + id, """
                {"name": "backoff-%s", "cron": "0 2 * * *",
                 "task": {"type": "report.generate", "payload": {}, "maxAttempts": 2, "timeout": "PT1H",
                          "backoff": {"initial": "PT2S", "multiplier": 3.0}}}
                """.formatted(run));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode task = json(response).get("task");
        assertThat(task.get("backoff").propertyNames()).containsExactlyInAnyOrder("initial", "multiplier");
        assertThat(task.at("/backoff/initial").asString()).isEqualTo("PT2S");
        assertThat(task.at("/backoff/multiplier").asDouble()).isEqualTo(3.0);
        assertThat(task.get("maxAttempts").asInt()).isEqualTo(2);
        assertThat(task.get("timeout").asString()).isEqualTo("PT1H");
        assertThat(task.get("priority").asString()).isEqualTo("NORMAL");
        assertThat(get("/api/v1/schedules/" + id).get("task")).isEqualTo(task);
        assertThat(view.at("/task/backoff").isNull()).as("none given: the scheduler's default").isTrue();
    }

    @Test
    void nextRunsAreInTheSchedulesZoneAndSpringForwardFiresAtTheFirstInstantAfterTheGap() {
        String id = created("dst-" + run, "30 2 * * *", "Europe/Berlin", "").get("id").asString();

        JsonNode view = get("/api/v1/schedules/" + id + "?from=2027-03-26T12:00:00Z");

        assertThat(texts(view.get("nextRuns"))).containsExactly("2027-03-27T02:30:00+01:00",
                "2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00", "2027-03-30T02:30:00+02:00",
                "2027-03-31T02:30:00+02:00");
        // an offset in the URL: + as %2B
        assertThat(texts(get("/api/v1/schedules/" + id + "?from=2027-03-28T03:00:00%2B02:00").get("nextRuns")))
                .startsWith("2027-03-29T02:30:00+02:00");
        assertProblem(api.getAuthorized("/api/v1/schedules/" + id + "?from=tomorrow"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/schedules/" + id + "?to=2027-01-01T00:00:00Z"), 400,
                "validation_failed");
    }

    @Test
    void theListIsNewestFirstAndPaged() {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.addFirst(created("page-" + i + "-" + run, "0 " + i + " * * *", "UTC", "").get("id").asString());
        }

        List<String> listed = new ArrayList<>();
        List<Instant> createdAts = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/v1/schedules?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.get("items").size()).isBetween(1, 2);
            page.get("items").forEach(item -> {
                listed.add(item.get("id").asString());
                createdAts.add(Instant.parse(item.get("createdAt").asString()));
                assertThat(item.get("tenantId").asString()).isEqualTo(TENANT);
            });
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null && pages < 100);

        assertThat(listed).doesNotHaveDuplicates();
        assertThat(listed.stream().filter(mine::contains).toList()).containsExactlyElementsOf(mine);
        assertThat(createdAts).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(get("/api/v1/schedules?limit=1").get("items").get(0).get("id").asString()).isEqualTo(mine.getFirst());
        assertProblem(api.getAuthorized("/api/v1/schedules?limit=0"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/schedules?limit=many"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/schedules?cursor=bm90LWEtY3Vyc29y"), 400, "validation_failed");
        assertProblem(api.getAuthorized("/api/v1/schedules?status=QUEUED"), 400, "validation_failed");
    }

    @Test
    void anotherTenantsScheduleIsNotFoundAndNeverListed() {
        HttpResponse<String> theirs = as(OTHER_TENANT_KEY, "POST", ScheduleController.BASE,
                body("theirs-" + run, "0 3 * * *", "UTC", ""));
        assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(201);
        String id = json(theirs).get("id").asString();
        assertThat(json(theirs).get("tenantId").asString()).isEqualTo(OTHER_TENANT);
        assertThat(onTopic(OTHER_TENANT + "/" + id)).hasSize(1);
        String path = "/api/v1/schedules/" + id;

        assertProblem(api.getAuthorized(path), 404, "not_found");
        assertProblem(api.authorized("PUT", path, body("mine-" + run, "0 3 * * *", "UTC", "")), 404, "not_found");
        assertProblem(api.authorized("PATCH", path, "{\"enabled\": false}"), 404, "not_found");
        assertProblem(api.authorized("POST", path + ":trigger", null), 404, "not_found");
        assertProblem(api.authorized("DELETE", path, null), 404, "not_found");
        assertThat(get("/api/v1/schedules?limit=500").get("items").valueStream()
                .map(item -> item.get("id").asString())).doesNotContain(id);
        HttpResponse<String> own = as(OTHER_TENANT_KEY, "GET", path, null);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(json(own).get("enabled").asBoolean()).as("untouched by the other tenant").isTrue();
        // the same name is free in another tenant
        created("theirs-" + run, "0 3 * * *", "UTC", "");
    }

    @Test
    void readingNeedsScheduleReadAndEverythingElseScheduleWrite() {
        String id = created("scoped-" + run, "0 4 * * *", "UTC", "").get("id").asString();
        String path = "/api/v1/schedules/" + id;

        assertThat(as(READ_ONLY_KEY, "GET", path, null).statusCode()).isEqualTo(200);
        assertThat(as(READ_ONLY_KEY, "GET", ScheduleController.BASE, null).statusCode()).isEqualTo(200);
        assertProblem(as(READ_ONLY_KEY, "POST", ScheduleController.BASE, body("ro-" + run, "0 4 * * *", "UTC", "")),
                403, "forbidden");
        assertProblem(as(READ_ONLY_KEY, "PUT", path, body("ro-" + run, "0 4 * * *", "UTC", "")), 403, "forbidden");
        assertProblem(as(READ_ONLY_KEY, "PATCH", path, "{\"enabled\": false}"), 403, "forbidden");
        assertProblem(as(READ_ONLY_KEY, "DELETE", path, null), 403, "forbidden");
        assertProblem(as(READ_ONLY_KEY, "POST", path + ":trigger", null), 403, "forbidden");
        assertProblem(as(TASKS_ONLY_KEY, "GET", path, null), 403, "forbidden");
        assertProblem(as(TASKS_ONLY_KEY, "GET", ScheduleController.BASE, null), 403, "forbidden");
        assertProblem(api.get(path), 401, "unauthenticated");
        assertThat(get(path).get("enabled").asBoolean()).as("nothing changed").isTrue();
    }

    @Test
    void putReplacesTheWholeDefinitionInPostgresAndOnTheTopic() {
        JsonNode before = created("replaced-" + run, "0 2 * * *", "Europe/Berlin",
                "\"overlap\": \"SKIP_IF_RUNNING\", \"misfirePolicy\": \"SKIP\"");
        String id = before.get("id").asString();

        HttpResponse<String> response = api.authorized("PUT", "/api/v1/schedules/" + id,
                body("replaced-" + run, "15 4 * * 1-5", "America/New_York", ""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode after = json(response);
        assertThat(after.get("id").asString()).isEqualTo(id);
        assertThat(after.get("cron").asString()).isEqualTo("15 4 * * 1-5");
        assertThat(after.get("timezone").asString()).isEqualTo("America/New_York");
        assertThat(after.get("overlap").asString()).as("absent: the default again").isEqualTo("ALLOW");
        assertThat(after.get("misfirePolicy").asString()).isEqualTo("FIRE_ONCE");
        assertThat(after.get("description").asString()).isNotEqualTo(before.get("description").asString());
        assertThat(texts(after.get("nextRuns"))).allSatisfy(run -> assertThat(run).matches(".*T04:15:00-0[45]:00"));
        assertThat(after.get("createdAt")).isEqualTo(before.get("createdAt"));
        assertThat(Instant.parse(after.get("updatedAt").asString()))
                .isAfterOrEqualTo(Instant.parse(before.get("updatedAt").asString()));
        assertThat(onTopic(TENANT + "/" + id)).extracting(ScheduleDefinition::cron)
                .containsExactly("0 2 * * *", "15 4 * * 1-5");
        assertThat(get("/api/v1/schedules/" + id).get("cron").asString()).isEqualTo("15 4 * * 1-5");
        assertThat(jdbc.queryForObject("SELECT version FROM schedules WHERE id = ?::uuid", Long.class, id))
                .isEqualTo(1);

        String other = created("taken-" + run, "0 5 * * *", "UTC", "").get("id").asString();
        JsonNode taken = assertProblem(api.authorized("PUT", "/api/v1/schedules/" + id,
                body("taken-" + run, "0 5 * * *", "UTC", "")), 409, "conflict");
        assertThat(taken.get("detail").asString()).contains("taken-" + run).contains(other);
        assertProblem(api.authorized("PUT", "/api/v1/schedules/" + id, body("x-" + run, "nope", "UTC", "")), 400,
                "validation_failed");
        assertProblem(api.authorized("PUT", "/api/v1/schedules/" + UUID.randomUUID(),
                body("x-" + run, "0 5 * * *", "UTC", "")), 404, "not_found");
        assertThat(onTopic(TENANT + "/" + id)).as("refused changes publish nothing").hasSize(2);
    }

    @Test
    void patchSwitchesTheScheduleOffAndOnAgain() {
        String id = created("switched-" + run, "0 6 * * *", "UTC", "").get("id").asString();
        String path = "/api/v1/schedules/" + id;

        HttpResponse<String> off = api.authorized("PATCH", path, "{\"enabled\": false}");

        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(json(off).get("enabled").asBoolean()).isFalse();
        assertThat(json(off).get("nextRuns").isEmpty()).isTrue();
        assertThat(json(off).get("cron").asString()).isEqualTo("0 6 * * *");
        assertThat(get(path).get("nextRuns").isEmpty()).isTrue();
        assertThat(onTopic(TENANT + "/" + id)).extracting(ScheduleDefinition::enabled).containsExactly(true, false);

        HttpResponse<String> on = api.send("PATCH", path, "{\"enabled\": true}", "Authorization",
                "Bearer " + ItSupport.ADMIN_KEY, "Content-Type", "application/merge-patch+json");
        assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
        assertThat(json(on).get("nextRuns").size()).isEqualTo(5);
        assertThat(onTopic(TENANT + "/" + id)).last().satisfies(d -> {
            assertThat(d.enabled()).isTrue();
            assertThat(d.cron()).isEqualTo("0 6 * * *");
        });

        assertProblem(api.authorized("PATCH", path, "{\"cron\": \"0 7 * * *\"}"), 400, "validation_failed");
        assertProblem(api.authorized("PATCH", path, "{\"enabled\": \"no\"}"), 400, "validation_failed");
        assertProblem(api.authorized("PATCH", path, "{"), 400, "malformed_request");
        audit.flush();
        assertThat(jdbc.queryForList("SELECT action || ' ' || status || ' ' || coalesce(detail ->> 'enabled', '-') "
                + "FROM audit_log WHERE resource_id = ? ORDER BY chain_seq", String.class, id)).containsExactly(
                "schedule.create 201 -", "schedule.set_enabled 200 false", "schedule.set_enabled 200 true",
                "schedule.set_enabled 400 -", "schedule.set_enabled 400 -", "schedule.set_enabled 400 -");
    }

    @Test
    void deleteAnswers204AndLeavesATombstone() {
        String id = created("deleted-" + run, "0 7 * * *", "UTC", "").get("id").asString();
        String path = "/api/v1/schedules/" + id;

        HttpResponse<String> response = api.authorized("DELETE", path, null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        List<ScheduleDefinition> records = onTopic(TENANT + "/" + id);
        assertThat(records).hasSize(2);
        assertThat(records.getLast()).as("a tombstone").isNull();
        assertProblem(api.getAuthorized(path), 404, "not_found");
        assertProblem(api.authorized("DELETE", path, null), 404, "not_found");
        assertProblem(api.authorized("DELETE", "/api/v1/schedules/not-a-uuid", null), 404, "not_found");
        // the name is free again
        created("deleted-" + run, "0 7 * * *", "UTC", "");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a cron that is not one     | {\"name\": \"n\", \"cron\": \"61 * * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}} | cron",
            "an unknown zone            | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"timezone\": \"Mars/Olympus\", \"task\": {\"type\": \"a\", \"payload\": {}}} | timezone",
            "fires too often            | {\"name\": \"n\", \"cron\": \"*/10 * * * * ?\", \"task\": {\"type\": \"a\", \"payload\": {}}} | cron",
            "a bad task type            | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"Bad Type\", \"payload\": {}}} | task.type",
            "a task field a template has not | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}, \"runAt\": \"2027-01-01T00:00:00Z\"}} | task.runAt",
            "a bad backoff              | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}, \"backoff\": {\"initial\": \"PT1M\", \"max\": \"PT1S\"}}} | task",
            "no payload                 | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\"}} | task.payload",
            "an unknown field           | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}, \"colour\": \"red\"} | colour",
            "no name                    | {\"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}} | name",
            "no task                    | {\"name\": \"n\", \"cron\": \"0 2 * * *\"} | task",
            "an unknown misfire policy  | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}, \"misfirePolicy\": \"SOMETIMES\"} | misfirePolicy",
            "enabled as a string        | {\"name\": \"n\", \"cron\": \"0 2 * * *\", \"task\": {\"type\": \"a\", \"payload\": {}}, \"enabled\": \"yes\"} | enabled"})
    void aBadScheduleIsRefusedNamingTheField(String why, String body, String field) {
        JsonNode problem = assertProblem(create(body.replace("\"n\"", "\"bad-" + run + "\"")), 400,
                "validation_failed");

        assertThat(problem.get("errors")).as(why).singleElement().satisfies(e -> {
            assertThat(e.get("field").asString()).startsWith(field);
            assertThat(e.get("message").asString()).isNotBlank();
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM schedules WHERE name = ?", Long.class, "bad-" + run))
                .isZero();
    }

    @Test
    void cronProblemsSayWhatIsWrong() {
        JsonNode badField = assertProblem(create(body("bad-" + run, "61 * * * *", "UTC", "")), 400,
                "validation_failed");
        JsonNode tooOften = assertProblem(create(body("bad-" + run, "*/30 * * * * ?", "UTC", "")), 400,
                "validation_failed");
        JsonNode zone = assertProblem(create(body("bad-" + run, "0 2 * * *", "Mars/Olympus", "")), 400,
                "validation_failed");

        assertThat(badField.at("/errors/0/message").asString()).contains("61");
        assertThat(tooOften.at("/errors/0/message").asString()).containsAnyOf("minute", "PT1M", "interval");
        assertThat(zone.at("/errors/0/message").asString()).contains("Mars/Olympus");
        assertProblem(create("{\"name\": "), 400, "malformed_request");
    }

    @Test
    void aNameIsUniqueWithinTheTenant() {
        String first = created("unique-" + run, "0 8 * * *", "UTC", "").get("id").asString();

        JsonNode problem = assertProblem(create(body("unique-" + run, "0 9 * * *", "UTC", "")), 409, "conflict");

        assertThat(problem.get("detail").asString()).contains("unique-" + run).contains(first);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM schedules WHERE tenant_id = ? AND name = ?", Long.class,
                TENANT, "unique-" + run)).isEqualTo(1);
    }

    @Test
    void aTriggerSubmitsOneTaskFromTheTemplateEvenWhenDisabledAndRunningAlready() {
        String id = created("triggered-" + run, "0 2 * * *", "UTC",
                "\"enabled\": false, \"overlap\": \"SKIP_IF_RUNNING\"").get("id").asString();

        HttpResponse<String> first = api.authorized("POST", "/api/v1/schedules/" + id + ":trigger", null);
        HttpResponse<String> second = api.authorized("POST", "/api/v1/schedules/" + id + ":trigger", null);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(second.statusCode()).as("the overlap guard does not apply: " + second.body()).isEqualTo(202);
        JsonNode view = json(second);
        String taskId = view.get("lastTaskId").asString();
        String firstTaskId = json(first).get("lastTaskId").asString();
        assertThat(taskId).isNotEqualTo(firstTaskId);
        assertThat(second.headers().firstValue("Location")).hasValue("/api/v1/tasks/" + taskId);
        assertThat(view.get("id").asString()).isEqualTo(id);
        assertThat(view.get("enabled").asBoolean()).isFalse();
        assertThat(view.get("nextRuns").isEmpty()).isTrue();

        JsonNode task = get("/api/v1/tasks/" + taskId + "?include=payload");
        assertThat(task.get("scheduleId").asString()).isEqualTo(id);
        assertThat(task.get("type").asString()).isEqualTo("report.generate");
        assertThat(task.get("priority").asString()).isEqualTo("LOW");
        assertThat(task.at("/labels/run").asString()).isEqualTo(run);
        assertThat(task.at("/payload/ms").asInt()).isEqualTo(5);
        assertThat(task.get("createdAt")).isEqualTo(view.get("lastRunAt"));

        JsonNode tasks = get("/api/v1/tasks?scheduleId=" + id);
        assertThat(tasks.get("items").valueStream().map(t -> t.get("id").asString()))
                .containsExactly(taskId, firstTaskId);
        assertThat(get("/api/v1/tasks?scheduleId=" + id + "&limit=1").get("nextCursor").isNull()).isFalse();
        assertProblem(api.getAuthorized("/api/v1/tasks?scheduleId=yesterday"), 400, "validation_failed");

        JsonNode read = get("/api/v1/schedules/" + id);
        assertThat(read.get("lastTaskId").asString()).as("from the tasks table").isEqualTo(taskId);
        assertThat(read.get("lastRunAt")).isEqualTo(view.get("lastRunAt"));
        List<TaskSubmission> submitted = kafka.records(topics.submit(Priority.LOW)).stream()
                .filter(r -> taskId.equals(r.key()))
                .map(r -> JsonSerde.of(TaskSubmission.class).deserializer().deserialize("", r.value())).toList();
        assertThat(submitted).singleElement().satisfies(s -> {
            assertThat(s.scheduleId().toString()).isEqualTo(id);
            assertThat(s.tenantId()).isEqualTo(TENANT);
        });
        audit.flush();
        assertThat(jdbc.queryForList("SELECT detail ->> 'taskId' FROM audit_log WHERE resource_id = ? AND action = "
                + "'schedule.trigger' ORDER BY chain_seq", String.class, id)).containsExactly(firstTaskId, taskId);
    }

    @Test
    void theLastRunIsTheNewestTaskOfTheScheduleAndItsTenant() {
        String id = created("last-run-" + run, "0 2 * * *", "UTC", "").get("id").asString();
        Instant fired = Instant.parse("2031-01-02T02:00:00Z");
        UUID firedTask = insertTask(TENANT, id, fired);
        insertTask(TENANT, id, fired.minusSeconds(86_400));
        // another tenant's task naming this schedule (a direct producer's) does not count
        insertTask(OTHER_TENANT, id, fired.plusSeconds(60));

        JsonNode view = get("/api/v1/schedules/" + id);

        assertThat(view.get("lastTaskId").asString()).isEqualTo(firedTask.toString());
        assertThat(Instant.parse(view.get("lastRunAt").asString())).isEqualTo(fired);
        assertThat(get("/api/v1/schedules?limit=500").get("items").valueStream()
                .filter(item -> item.get("id").asString().equals(id)).findFirst().orElseThrow()
                .get("lastTaskId").asString()).isEqualTo(firedTask.toString());
    }

    /** A task row of a schedule as the projection writes it for a fire. */
    private UUID insertTask(String tenant, String scheduleId, Instant createdAt) {
        UUID id = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, created_at, updated_at, schedule_id)
                VALUES (?, ?, 'report.generate', 'LOW', 'QUEUED', 1, ?, ?, ?::uuid)
                """, id, tenant, TaskRepository.timestamp(createdAt), TaskRepository.timestamp(createdAt), scheduleId);
        return id;
    }

    @Test
    void theLastRunIsFoundThroughTheSchedulesIndex() {
        String tenant = "sched-plan-" + run;
        jdbc.update("""
                INSERT INTO tasks (id, tenant_id, type, priority, status, version, created_at, updated_at, schedule_id)
                SELECT gen_random_uuid(), ?, 'report.generate', 'LOW', 'COMPLETED', 1,
                       now() - make_interval(secs => i), now() - make_interval(secs => i),
                       ('00000000-0000-7000-8000-' || lpad((i % 200)::text, 12, '0'))::uuid
                FROM generate_series(1, 20000) AS i
                """, tenant);
        jdbc.execute("VACUUM ANALYZE tasks");
        try {
            String plan = QueryPlans.explain(jdbc, ScheduleRepository.SELECT + " WHERE s.id = ? AND s.tenant_id = ?",
                    UUID.fromString("00000000-0000-7000-8000-000000000007"), tenant);
            assertThat(plan).contains("tasks_schedule_idx");
        } finally {
            jdbc.update("DELETE FROM tasks WHERE tenant_id = ?", tenant);
        }
    }
}
