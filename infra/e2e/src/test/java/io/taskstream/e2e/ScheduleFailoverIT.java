package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.MisfirePolicy;
import io.taskstream.schemas.ScheduleDefinition.Overlap;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

/**
 * Issue #6's failover scenario: two scheduler processes share the schedules (12 of them, firing every
 * 2 s); one is killed ({@code kill -9}) right at a fire time, and the other takes its partitions over.
 * Every fire time of every schedule, from before the kill until well after the takeover, produced
 * exactly one committed fire on the submit topic and exactly one task (in the API's view, by
 * {@code schedule_id} and {@code run_at}) — none missing, none twice.
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
        ServiceProcess api = system.startApi();
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
        String tenant = "e2e-cron-" + UUID.randomUUID().toString().substring(0, 8);
        List<ScheduleDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < SCHEDULES; i++) {
            definitions.add(new ScheduleDefinition(UUID.randomUUID(), tenant, "every-2s-" + i, "0/2 * * * * ?", "UTC",
                    new TaskTemplate("e2e.cron", Json.mapper().createObjectNode().put("i", i), Priority.NORMAL,
                            null, null, null, Map.of()), true, MisfirePolicy.FIRE_ONCE, Overlap.ALLOW, Instant.now()));
        }
        Set<UUID> ids = definitions.stream().map(ScheduleDefinition::scheduleId).collect(Collectors.toSet());
        system.produceSchedules(definitions);

        // both schedulers fire: wait for two fire times of every schedule, then kill one at the next fire time
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> complete(tenant, 2));
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
                .until(() -> runsPerSchedule(tenant).values().stream().allMatch(times -> times.contains(later))
                        && runsPerSchedule(tenant).size() == SCHEDULES);
        assertThat(second.isAlive()).isTrue();

        Map<UUID, List<Instant>> runs = runsPerSchedule(tenant);
        Map<String, Integer> committed = committedFires(ids);
        assertThat(committed).as("committed fires").hasSizeGreaterThanOrEqualTo(runs.values().stream()
                .mapToInt(List::size).sum());
        assertThat(committed.values()).as("committed fires per task id").allMatch(n -> n == 1);
        for (ScheduleDefinition definition : definitions) {
            List<Instant> times = runs.get(definition.scheduleId());
            assertThat(times).as("tasks of %s", definition.name()).doesNotHaveDuplicates().contains(fireTime);
            List<Instant> expected = new ArrayList<>();
            for (Instant t = times.getFirst(); !t.isAfter(later); t = t.plus(EVERY)) {
                expected.add(t);
            }
            assertThat(times.stream().filter(t -> !t.isAfter(later)).toList())
                    .as("one task per fire time of %s, through the kill at %s", definition.name(), fireTime)
                    .containsExactlyElementsOf(expected);
        }
    }

    /** Every schedule has at least {@code fires} tasks. */
    private static boolean complete(String tenant, int fires) throws SQLException {
        Map<UUID, List<Instant>> runs = runsPerSchedule(tenant);
        return runs.size() == SCHEDULES && runs.values().stream().allMatch(times -> times.size() >= fires);
    }

    /** Per schedule, the run_at of each of its tasks in the API's view, in order. */
    private static Map<UUID, List<Instant>> runsPerSchedule(String tenant) throws SQLException {
        Map<UUID, List<Instant>> runs = new HashMap<>();
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement(
                     "SELECT schedule_id, run_at FROM tasks WHERE tenant_id = ? AND schedule_id IS NOT NULL"
                             + " ORDER BY schedule_id, run_at")) {
            query.setString(1, tenant);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    runs.computeIfAbsent(rows.getObject(1, UUID.class), id -> new ArrayList<>())
                            .add(rows.getTimestamp(2).toInstant());
                }
            }
        }
        return runs;
    }

    /** Per task id, how many committed records of our schedules' fires the submit topic holds. */
    private static Map<String, Integer> committedFires(Set<UUID> scheduleIds) {
        Map<String, Integer> fires = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.endpoints().kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-cron-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.withDefaultPrefix().submit(Priority.NORMAL)));
            int emptyPolls = 0;
            while (emptyPolls < 5) {
                var records = consumer.poll(Duration.ofMillis(500));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<String, byte[]> record : records) {
                    TaskSubmission fired = Json.mapper().readValue(record.value(), TaskSubmission.class);
                    if (fired.scheduleId() != null && scheduleIds.contains(fired.scheduleId())) {
                        fires.merge(record.key(), 1, Integer::sum);
                    }
                }
            }
        }
        return fires;
    }
}
