package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * Issue #6's failover scenario: two scheduler processes share the schedules (12 of them, created through
 * the API, firing every 2 s); one is killed ({@code kill -9}) right at a fire time, and the other takes
 * its partitions over. Every fire time of every schedule, from before the kill until well after the
 * takeover, produced exactly one committed fire on the submit topic and exactly one task (in the API's
 * view, by {@code schedule_id} and {@code run_at}) — none missing, none twice — and the schedule's view
 * names its newest task as its last run.
 */
class ScheduleFailoverIT {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduleFailoverIT.class);
    private static final int SCHEDULES = 12;
    private static final Duration EVERY = Duration.ofSeconds(2);
    /** Seconds-level schedules for the test; a fire up to 5 min late still fires (the takeover waits for the session timeout). */
    private static final Map<String, String> SCHEDULER_ENV = Map.of(
            "TASKSTREAM_SCHEDULER_SCHEDULES_MININTERVAL", "PT1S",
            "TASKSTREAM_SCHEDULER_SCHEDULES_MISFIRETHRESHOLD", "PT5M");

    private static TaskstreamSystem system;
    private static ServiceProcess first;
    private static ServiceProcess second;

    @BeforeAll
    static void start() {
        system = TaskstreamSystem.start();
        ServiceProcess api = system.startApi(Map.of("TASKSTREAM_INGEST_SCHEDULES_MININTERVAL", "PT1S"));
        first = system.startScheduler("scheduler-1", SCHEDULER_ENV);
        second = system.startScheduler("scheduler-2", SCHEDULER_ENV);
        api.awaitReady(TaskstreamSystem.START);
        first.awaitReady(TaskstreamSystem.START);
        second.awaitReady(TaskstreamSystem.START);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void everyFireTimeMakesExactlyOneTaskWhenASchedulerIsKilledAtAFireTime() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<ScheduleView> schedules = new ArrayList<>();
        for (int i = 0; i < SCHEDULES; i++) {
            HttpResponse<String> created = system.post("/api/v1/schedules", """
                    {"name": "every-2s-%s-%d", "cron": "0/2 * * * * ?", "timezone": "UTC",
                     "task": {"type": "e2e.cron", "payload": {"i": %d}}}""".formatted(run, i, i));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode view = Json.mapper().readTree(created.body());
            schedules.add(new ScheduleView(UUID.fromString(view.get("id").asString()), view.get("name").asString()));
        }
        Set<UUID> ids = schedules.stream().map(ScheduleView::id).collect(Collectors.toSet());

        // both schedulers fire: wait for two fire times of every schedule, then kill one at the next fire time
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> complete(ids, 2));
        Instant soon = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
        Instant fireTime = soon.getEpochSecond() % 2 == 0 ? soon : soon.plusSeconds(1);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> !Instant.now().isBefore(fireTime.plusMillis(50)));
        first.kill();
        LOG.info("scheduler-1 killed at {} (fire time {})", Instant.now(), fireTime);

        // the survivor takes over after the session timeout and catches up; wait for the fires of a
        // minute after the kill
        Instant later = fireTime.plusSeconds(60);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> complete(ids, 1) && runsPerSchedule(ids).values().stream()
                        .allMatch(times -> times.contains(later)));
        assertThat(second.isAlive()).isTrue();

        Map<UUID, List<Instant>> runs = runsPerSchedule(ids);
        Map<String, Integer> committed = committedFires(ids);
        assertThat(committed).as("committed fires").hasSizeGreaterThanOrEqualTo(runs.values().stream()
                .mapToInt(List::size).sum());
        assertThat(committed.values()).as("committed fires per task id").allMatch(n -> n == 1);
        for (ScheduleView schedule : schedules) {
            List<Instant> times = runs.get(schedule.id());
            assertThat(times).as("tasks of %s", schedule.name()).doesNotHaveDuplicates().contains(fireTime);
            List<Instant> expected = new ArrayList<>();
            for (Instant t = times.getFirst(); !t.isAfter(later); t = t.plus(EVERY)) {
                expected.add(t);
            }
            assertThat(times.stream().filter(t -> !t.isAfter(later)).toList())
                    .as("one task per fire time of %s, through the kill at %s", schedule.name(), fireTime)
                    .containsExactlyElementsOf(expected);
        }

        // the API's view of one: its last run is its newest task, which GET /tasks?scheduleId= lists first
        ScheduleView one = schedules.getFirst();
        JsonNode view = system.get("/api/v1/schedules/" + one.id());
        JsonNode tasks = system.get("/api/v1/tasks?scheduleId=" + one.id() + "&limit=500");
        assertThat(tasks.get("items").size()).isGreaterThanOrEqualTo(runs.get(one.id()).size());
        JsonNode newest = tasks.get("items").get(0);
        assertThat(view.get("lastTaskId").asString()).isEqualTo(newest.get("id").asString());
        assertThat(Instant.parse(view.get("lastRunAt").asString()))
                .isEqualTo(Instant.parse(newest.get("createdAt").asString()));
        assertThat(newest.get("scheduleId").asString()).isEqualTo(one.id().toString());
        assertThat(view.get("nextRuns")).hasSize(5);
    }

    record ScheduleView(UUID id, String name) {
    }

    /** Every schedule has at least {@code fires} tasks. */
    private static boolean complete(Set<UUID> ids, int fires) throws SQLException {
        Map<UUID, List<Instant>> runs = runsPerSchedule(ids);
        return runs.size() == SCHEDULES && runs.values().stream().allMatch(times -> times.size() >= fires);
    }

    /** Per schedule, the run_at of each of its tasks in the API's view, in order. */
    private static Map<UUID, List<Instant>> runsPerSchedule(Set<UUID> ids) throws SQLException {
        Map<UUID, List<Instant>> runs = new HashMap<>();
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement(
                     "SELECT schedule_id, run_at FROM tasks WHERE schedule_id = ANY (?) ORDER BY schedule_id, run_at")) {
            query.setArray(1, db.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    runs.computeIfAbsent(rows.getObject(1, UUID.class), id -> new ArrayList<>())
                            .add(rows.getTimestamp(2).toInstant());
                }
            }
        }
        return runs;
    }

    /** Per task id, how many committed records of our schedules' fires the submit topic holds (up to its end now). */
    private static Map<String, Integer> committedFires(Set<UUID> scheduleIds) {
        Map<String, Integer> fires = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.endpoints().kafkaBootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.withDefaultPrefix().submit(Priority.NORMAL))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TaskSubmission fired = Json.mapper().readValue(record.value(), TaskSubmission.class);
                    if (fired.scheduleId() != null && scheduleIds.contains(fired.scheduleId())) {
                        fires.merge(record.key(), 1, Integer::sum);
                    }
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return fires;
    }
}
