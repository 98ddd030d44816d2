package io.taskstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskIds;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.TaskSubmission;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Issue #3's crash scenario: 10,000 delayed tasks written straight to Kafka, due over the next
 * 60 s; the scheduler is killed with {@code kill -9} a third of the way and a new one started.
 * Every task runs exactly once, none before its {@code runAt}, and the P95 lateness (start − runAt)
 * of tasks due outside the restart gap is under 1 s. The processes are warmed up first (3,000 tasks
 * run through them), so the first scheduler is measured as it runs, not while its JVM compiles.
 * The lateness per 5 s of due time is logged, split into the scheduler's part (due → dispatched)
 * and the worker's (dispatched → started).
 *
 * <p>Scale: {@code -De2e.delayed.tasks=… -De2e.delayed.spread=PT…S}.
 */
class DelayedTasksAcrossACrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(DelayedTasksAcrossACrashIT.class);
    private static final int TASKS = Integer.getInteger("e2e.delayed.tasks", 10_000);
    private static final Duration SPREAD = Duration.parse(System.getProperty("e2e.delayed.spread", "PT60S"));

    private static TaskstreamSystem system;

    @BeforeAll
    static void start() {
        system = TaskstreamSystem.start();
        ServiceProcess api = system.startApi();
        ServiceProcess worker = system.startWorker("worker-1");
        api.awaitReady(TaskstreamSystem.START);
        worker.awaitReady(TaskstreamSystem.START);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void everyDelayedTaskRunsOnceNeverEarlyAndOnTimeOutsideTheRestartGapAcrossASchedulerCrash() throws Exception {
        ServiceProcess scheduler = system.startScheduler("scheduler-1").awaitReady(TaskstreamSystem.START);
        Clock clock = Clock.systemUTC(); // the test measures real time against real processes
        warmUp(clock);
        Instant first = clock.instant().plusSeconds(5);
        Random random = new Random(42);
        List<TaskSubmission> submissions = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            Instant runAt = first.plusMillis(random.nextLong(SPREAD.toMillis()));
            submissions.add(TaskstreamSystem.submission(TaskIds.newId(clock, random), "log",
                    JsonNodeFactory.instance.objectNode().put("i", i), runAt, clock.instant()));
        }
        system.produce(submissions);
        LOG.info("{} tasks due between {} and {}", TASKS, first, first.plus(SPREAD));

        // a third of the way through: kill -9, then a new scheduler
        await().atMost(SPREAD).until(() -> clock.instant().isAfter(first.plus(SPREAD.dividedBy(3))));
        Instant killedAt = clock.instant();
        scheduler.kill();
        system.startScheduler("scheduler-2").awaitReady(TaskstreamSystem.START);

        try {
            await().atMost(SPREAD.plusMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> system.count("select count(*) from tasks where type = 'log' and status = 'COMPLETED'"),
                            n -> n == TASKS);
        } finally {
            LOG.info("tasks by status: {}", statusCounts());
            LOG.info("killed at {}; unfinished tasks (id, status, version, run_at): {}", killedAt, unfinished());
        }

        assertThat(system.count("select count(*) from task_executions e join tasks t on t.id = e.task_id"
                + " where t.type = 'log'")).as("one execution per task").isEqualTo(TASKS);
        assertThat(system.count("select count(*) from task_executions e join tasks t on t.id = e.task_id "
                + "where t.type = 'log' and e.started_at < t.run_at")).as("started before runAt").isZero();

        // The restart gap runs from the kill until the system has caught up: the first task due after
        // the kill that started within a second of its runAt. (Only the new scheduler can dispatch
        // tasks due after the kill — a scheduler dispatches a task when it is due — and the backlog
        // of tasks that came due meanwhile is drained before it catches up.)
        Instant dispatchedAgain = firstStartOfTasksDueAfter(killedAt, Duration.ofDays(1));
        Instant gapEnd = firstStartOfTasksDueAfter(killedAt, Duration.ofSeconds(1));
        List<Long> onTime = new ArrayList<>();
        List<Long> afterFirstDispatch = new ArrayList<>();
        List<Long> all = new ArrayList<>();
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select t.run_at, e.started_at from task_executions e "
                     + "join tasks t on t.id = e.task_id where t.type = 'log'");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                Instant runAt = rows.getTimestamp(1).toInstant();
                long lateness = Duration.between(runAt, rows.getTimestamp(2).toInstant()).toMillis();
                all.add(lateness);
                if (runAt.isBefore(killedAt) || runAt.isAfter(gapEnd)) {
                    onTime.add(lateness);
                }
                if (runAt.isBefore(killedAt) || runAt.isAfter(dispatchedAgain)) {
                    afterFirstDispatch.add(lateness);
                }
            }
        }
        logLatenessOverTime(first, killedAt);
        logWhereTheTimeWent();
        Collections.sort(onTime);
        Collections.sort(afterFirstDispatch);
        Collections.sort(all);
        LOG.info("kill at {}; new scheduler dispatching after {} ms; caught up after {} ms", killedAt,
                Duration.between(killedAt, dispatchedAgain).toMillis(), Duration.between(killedAt, gapEnd).toMillis());
        LOG.info("lateness outside the gap until caught up ({} tasks): p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                onTime.size(), percentile(onTime, 50), percentile(onTime, 95), percentile(onTime, 99), onTime.getLast());
        LOG.info("lateness outside the gap until the first dispatch ({} tasks): p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                afterFirstDispatch.size(), percentile(afterFirstDispatch, 50), percentile(afterFirstDispatch, 95),
                percentile(afterFirstDispatch, 99), afterFirstDispatch.getLast());
        LOG.info("lateness of all tasks: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                percentile(all, 50), percentile(all, 95), percentile(all, 99), all.getLast());
        assertThat(onTime.size()).as("tasks outside the gap").isGreaterThan(TASKS / 3);
        assertThat(percentile(onTime, 95)).as("P95 lateness outside the restart gap (ms)").isLessThan(1_000);
    }

    /**
     * Runs 3,000 {@code sleep} tasks of 0 ms through the fresh processes first, so the measurement
     * sees the scheduler and worker as they run, not as a just-started JVM compiles its code (the
     * restarted scheduler is measured cold: that is the restart gap).
     */
    private static void warmUp(Clock clock) throws Exception {
        Random random = new Random(1);
        List<TaskSubmission> warmUp = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            warmUp.add(TaskstreamSystem.submission(TaskIds.newId(clock, random), "sleep",
                    JsonNodeFactory.instance.objectNode().put("ms", 0), null, clock.instant()));
        }
        system.produce(warmUp);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> system.count("select count(*) from tasks where type = 'sleep' and status = 'COMPLETED'"),
                        n -> n == warmUp.size());
    }

    /** Lateness by when tasks were due, in 5-second buckets: shows where the time went. */
    private static void logLatenessOverTime(Instant first, Instant killedAt) throws Exception {
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select floor(extract(epoch from t.run_at - ?::timestamptz)"
                     + " / 5) * 5 as bucket, count(*), percentile_disc(0.5) within group (order by e.started_at - t.run_at),"
                     + " percentile_disc(0.95) within group (order by e.started_at - t.run_at), max(e.started_at - t.run_at)"
                     + " from task_executions e join tasks t on t.id = e.task_id where t.type = 'log' group by 1 order by 1");
        ) {
            query.setTimestamp(1, java.sql.Timestamp.from(first));
            try (ResultSet rows = query.executeQuery()) {
                StringBuilder table = new StringBuilder("lateness by due time (s after the first due; kill at +"
                        + Duration.between(first, killedAt).toMillis() / 1000.0 + " s): due, tasks, p50, p95, max");
                while (rows.next()) {
                    table.append("\n  +").append(rows.getLong(1)).append(" s  ").append(rows.getLong(2)).append("  ")
                            .append(rows.getString(3)).append("  ").append(rows.getString(4)).append("  ")
                            .append(rows.getString(5));
                }
                LOG.info("{}", table);
            }
        }
    }

    /**
     * Splits the lateness of every task in two at its dispatch (the scheduler's {@code QUEUED} event
     * on {@code events}): due → dispatched is the scheduler's part, dispatched → started the
     * worker's; logged per 5 s of due time.
     */
    private static void logWhereTheTimeWent() throws Exception {
        Map<java.util.UUID, Instant> queuedAt = new java.util.HashMap<>();
        String topic = Topics.withDefaultPrefix().events();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, TaskEvent> events =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                             org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                             system.endpoints().kafkaBootstrap()),
                             new org.apache.kafka.common.serialization.StringDeserializer(),
                             JsonSerde.of(TaskEvent.class).deserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = events.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            events.assign(partitions);
            events.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = events.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> events.position(tp) < end.get(tp))) {
                for (var record : events.poll(Duration.ofMillis(500))) {
                    TaskEvent event = record.value();
                    if (event.status() == io.taskstream.schemas.TaskStatus.QUEUED) {
                        queuedAt.putIfAbsent(event.taskId(), event.occurredAt());
                    }
                }
            }
        }
        Map<Long, List<long[]>> byBucket = new java.util.TreeMap<>();
        Instant first = null;
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select t.id, t.run_at, e.started_at from task_executions e"
                     + " join tasks t on t.id = e.task_id where t.type = 'log' order by t.run_at");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                Instant runAt = rows.getTimestamp(2).toInstant();
                first = first == null ? runAt : first;
                Instant queued = queuedAt.get(rows.getObject(1, java.util.UUID.class));
                if (queued != null) {
                    long bucket = Duration.between(first, runAt).toSeconds() / 5 * 5;
                    byBucket.computeIfAbsent(bucket, b -> new ArrayList<>()).add(new long[] {
                            Duration.between(runAt, queued).toMillis(),
                            Duration.between(queued, rows.getTimestamp(3).toInstant()).toMillis()});
                }
            }
        }
        StringBuilder table = new StringBuilder("where the time went, by due time: due, p95 due→dispatched (scheduler),"
                + " p95 dispatched→started (worker), in ms");
        byBucket.forEach((bucket, splits) -> {
            List<Long> scheduler = splits.stream().map(x -> x[0]).sorted().toList();
            List<Long> worker = splits.stream().map(x -> x[1]).sorted().toList();
            table.append("\n  +").append(bucket).append(" s  ").append(percentile(scheduler, 95)).append("  ")
                    .append(percentile(worker, 95));
        });
        LOG.info("{}", table);
    }

    private static Map<String, Long> statusCounts() throws Exception {
        Map<String, Long> counts = new java.util.TreeMap<>();
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select status, version, count(*) from tasks where type = 'log'"
                     + " group by status, version");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                counts.put(rows.getString(1) + "@v" + rows.getLong(2), rows.getLong(3));
            }
        }
        return counts;
    }

    private static List<String> unfinished() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select id, status, version, run_at from tasks "
                     + "where type = 'log' and status <> 'COMPLETED' order by run_at limit 50");
             ResultSet result = query.executeQuery()) {
            while (result.next()) {
                rows.add(result.getString(1) + " " + result.getString(2) + " v" + result.getLong(3) + " "
                        + result.getTimestamp(4).toInstant());
            }
        }
        return rows;
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** The first start of a task due after {@code instant} that started within {@code lateness} of its runAt. */
    private static Instant firstStartOfTasksDueAfter(Instant instant, Duration lateness) throws Exception {
        try (Connection db = system.database();
             PreparedStatement query = db.prepareStatement("select min(e.started_at) from task_executions e "
                     + "join tasks t on t.id = e.task_id where t.type = 'log' and t.run_at > ? "
                     + "and e.started_at - t.run_at < make_interval(secs => ?)")) {
            query.setTimestamp(1, java.sql.Timestamp.from(instant));
            query.setDouble(2, lateness.toMillis() / 1000.0);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }
}
