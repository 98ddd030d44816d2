package io.taskstream.ingest.projection;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

import io.taskstream.ingest.IngestApiApplication;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.ItSupport;
import io.taskstream.ingest.TestApi;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.tasks.TaskRepository;
import io.taskstream.ingest.tasks.TaskRepository.PendingRow;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.Execution;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The projection against real Kafka and Postgres: events published to {@code events} (as the
 * scheduler and workers publish them) become the task view and its executions, whatever their order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + IngestApiApplication.CONFIG_NAME)
class ProjectionIT {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ItSupport.register(ProjectionIT.class, registry);
    }

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    @LocalServerPort
    int port;
    @Autowired
    Topics topics;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TaskRepository repository;
    @Autowired
    TaskProjection projection;
    @Autowired
    IngestProperties properties;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ConcurrentMessageListenerContainer<String, byte[]> projectionContainer;
    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    private KafkaProducer<String, byte[]> producer;
    private Admin admin;

    @BeforeEach
    void setUp() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    @AfterEach
    void tearDown() {
        producer.close();
        admin.close();
    }

    private void publish(TaskEvent... events) {
        for (TaskEvent event : events) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.events(), event.taskId().toString(),
                    null);
            byte[] value = JsonSerde.of(TaskEvent.class).serializer().serialize(topics.events(), record.headers(),
                    event);
            send(new ProducerRecord<>(topics.events(), null, event.taskId().toString(), value, record.headers()));
        }
    }

    /** Publishes while the projection is stopped, so that it gets all the events in one poll. */
    private void publishAsOneBatch(TaskEvent... events) {
        projectionContainer.stop();
        try {
            publish(events);
        } finally {
            projectionContainer.start();
        }
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the projection has committed everything published so far. */
    private void awaitCaughtUp() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topics.events())).allTopicNames().get()
                    .get(topics.events()).partitions().stream()
                    .map(p -> new TopicPartition(topics.events(), p.partition())).toList();
            Map<TopicPartition, Long> ends = admin.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(properties.projectionGroupId()).partitionsToOffsetAndMetadata().get();
            return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                    || (committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() >= end.getValue()));
        });
    }

    private Map<String, Object> row(UUID id) {
        return jdbc.queryForMap("SELECT * FROM tasks WHERE id = ?", id);
    }

    private List<Map<String, Object>> executions(UUID id) {
        return jdbc.queryForList("SELECT * FROM task_executions WHERE task_id = ? ORDER BY attempt", id);
    }

    private static Instant instant(Object timestamp) {
        return timestamp == null ? null : ((java.sql.Timestamp) timestamp).toInstant();
    }

    private TaskEvents newTask() {
        return TaskEvents.of(UUID.randomUUID(), "default", T0);
    }

    @Test
    void readYourWritesInsertsAndTheProjectionWriteTheSameRowsWithoutDeadlock() throws Exception {
        // the API's group insert and the projection's batch meet the same new tasks, in opposite orders;
        // both write in id order, so one waits for the other instead of Postgres killing one after 1 s
        ExecutorService sides = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                List<TaskEvents> tasks = java.util.stream.IntStream.range(0, 40).mapToObj(i -> newTask()).toList();
                List<PendingRow> rows = tasks.reversed().stream()
                        .map(task -> new PendingRow(task.submission(), null, null)).toList();
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Set<UUID>> api = sides.submit(() -> {
                    start.await();
                    return repository.insertPending(rows);
                });
                Future<?> projected = sides.submit(() -> {
                    start.await();
                    projection.apply(tasks.stream().map(TaskEvents::admitted).toList());
                    return null;
                });

                assertThat(api.get(30, TimeUnit.SECONDS)).hasSize(40);
                projected.get(30, TimeUnit.SECONDS);
                assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE id = ANY(?) AND version = 1",
                        Long.class, (Object) tasks.stream().map(TaskEvents::taskId).toArray(UUID[]::new)))
                        .isEqualTo(40L);
            }
        } finally {
            sides.shutdownNow();
        }
    }

    @Test
    void aTasksLifeBecomesItsViewAndItsExecution() {
        TaskEvents task = newTask();

        publish(task.admitted(), task.processing(2, 1), task.completed(3, 1));
        awaitCaughtUp();

        JsonNode view = TestApi.json(TestApi.onPort(port).getAuthorized("/api/v1/tasks/" + task.taskId()
                + "?include=payload"));
        assertThat(view.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(view.get("type").asString()).isEqualTo("email.send");
        assertThat(view.get("priority").asString()).isEqualTo("HIGH");
        assertThat(view.get("attempts").asInt()).isEqualTo(1);
        assertThat(view.get("maxAttempts").asInt()).isEqualTo(3);
        assertThat(Instant.parse(view.get("createdAt").asString())).isEqualTo(T0);
        assertThat(Instant.parse(view.get("startedAt").asString())).isEqualTo(task.startOf(1));
        assertThat(Instant.parse(view.get("finishedAt").asString())).isEqualTo(task.startOf(1).plusSeconds(2));
        assertThat(Instant.parse(view.get("updatedAt").asString())).isEqualTo(task.startOf(1).plusSeconds(2));
        assertThat(view.get("result").get("sent").asBoolean()).isTrue();
        assertThat(view.get("labels").get("team").asString()).isEqualTo("billing");
        assertThat(view.get("orderingKey").asString()).isEqualTo("customer-1");
        assertThat(view.get("payload").get("to").asString()).isEqualTo("a@b.c");

        assertThat(executions(task.taskId())).singleElement().satisfies(x -> {
            assertThat(x.get("attempt")).isEqualTo(1);
            assertThat(x.get("worker_id")).isEqualTo("worker-1");
            assertThat(x.get("outcome")).isEqualTo("COMPLETED");
            assertThat(x.get("duration_ms")).isEqualTo(2000L);
            assertThat(instant(x.get("started_at"))).isEqualTo(task.startOf(1));
        });
    }

    @Test
    void eventsInReverseOrderEndInTheSameState() {
        TaskEvents inOrder = newTask();
        TaskEvents reversedInOneBatch = newTask();
        TaskEvents reversedOneByOne = newTask();

        publish(inOrder.admitted(), inOrder.processing(2, 1), inOrder.completed(3, 1));
        publishAsOneBatch(reversedInOneBatch.completed(3, 1), reversedInOneBatch.processing(2, 1),
                reversedInOneBatch.admitted());
        for (TaskEvent event : List.of(reversedOneByOne.completed(3, 1), reversedOneByOne.processing(2, 1),
                reversedOneByOne.admitted())) {
            publish(event);
            awaitCaughtUp();
            assertThat(row(reversedOneByOne.taskId()).get("status")).isEqualTo("COMPLETED");
        }
        awaitCaughtUp();

        Map<String, Object> expected = comparable(row(inOrder.taskId()));
        assertThat(comparable(row(reversedInOneBatch.taskId()))).isEqualTo(expected);
        assertThat(comparable(row(reversedOneByOne.taskId()))).isEqualTo(expected);
        assertThat(executions(reversedOneByOne.taskId())).singleElement()
                .satisfies(x -> assertThat(x.get("outcome")).isEqualTo("COMPLETED"));
    }

    /** A row without what differs between tasks by construction (id, idempotency key) or by write time. */
    private static Map<String, Object> comparable(Map<String, Object> row) {
        Map<String, Object> copy = new java.util.TreeMap<>(row);
        copy.remove("id");
        copy.remove("idempotency_key");
        copy.replaceAll((k, v) -> v == null ? "null" : v.toString());
        return copy;
    }

    @Test
    void anEventNamingAnotherTenantsTaskChangesNothingOfIt() {
        TaskEvents task = newTask();
        publish(task.admitted(), task.processing(2, 1));
        awaitCaughtUp();

        TaskEvents impostor = TaskEvents.of(task.taskId(), "mallory", T0);
        publish(impostor.admitted(), impostor.processing(2, 1), impostor.completed(3, 1),
                TaskEvent.statusChange(task.taskId(), "mallory", 9, TaskStatus.CANCELLED, T0.plusSeconds(999), 1));
        awaitCaughtUp();

        Map<String, Object> row = row(task.taskId());
        assertThat(row.get("tenant_id")).isEqualTo("default");
        assertThat(row.get("status")).isEqualTo("PROCESSING");
        assertThat(row.get("version")).isEqualTo(2L);
        assertThat(executions(task.taskId())).singleElement()
                .satisfies(e -> assertThat(e.get("tenant_id")).isEqualTo("default"))
                .satisfies(e -> assertThat(e.get("outcome")).isNull());
    }

    @Test
    void replayedAndStaleEventsNeverMoveTheStatusBackwards() {
        TaskEvents task = newTask();
        publish(task.admitted(), task.processing(2, 1), task.completed(3, 1));
        awaitCaughtUp();

        publish(task.processing(2, 1), task.admitted(),
                TaskEvent.statusChange(task.taskId(), "default", 3, TaskStatus.QUEUED, T0.plusSeconds(999), 0));
        awaitCaughtUp();

        Map<String, Object> row = row(task.taskId());
        assertThat(row.get("status")).isEqualTo("COMPLETED");
        assertThat(row.get("version")).isEqualTo(3L);
        assertThat(row.get("attempts")).isEqualTo(1);
    }

    @Test
    void retriesAreRecordedAttemptByAttempt() {
        TaskEvents task = newTask();

        publish(task.admitted(), task.processing(2, 1), task.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED));
        awaitCaughtUp();
        Map<String, Object> waiting = row(task.taskId());
        assertThat(waiting.get("status")).isEqualTo("RETRY_SCHEDULED");
        assertThat(instant(waiting.get("run_at"))).isEqualTo(task.startOf(1).plusSeconds(5));
        assertThat(waiting.get("finished_at")).isNull();

        publish(TaskEvent.statusChange(task.taskId(), "default", 4, TaskStatus.QUEUED, task.startOf(2), 1),
                task.processing(5, 2), task.completed(6, 2));
        awaitCaughtUp();

        Map<String, Object> done = row(task.taskId());
        assertThat(done.get("status")).isEqualTo("COMPLETED");
        assertThat(done.get("attempts")).isEqualTo(2);
        assertThat(instant(done.get("started_at"))).as("the first attempt's start").isEqualTo(task.startOf(1));
        assertThat(done.get("last_error").toString()).contains("boom 1");
        assertThat(executions(task.taskId())).extracting(x -> x.get("attempt") + ":" + x.get("outcome"))
                .containsExactly("1:FAILED", "2:COMPLETED");
    }

    @Test
    void aDeferredAttemptIsRecordedAndTheTaskWaitsWithoutCountingIt() {
        TaskEvents task = newTask();
        Instant firstStart = task.startOf(1);
        Instant rerun = firstStart.plusSeconds(31);
        TaskError snoozed = TaskError.retryable("snoozed", "handler asked to run again after PT30S");
        TaskEvent deferred = TaskEvent.statusChange(task.taskId(), "default", 3, TaskStatus.RETRY_SCHEDULED,
                        firstStart.plusSeconds(1), 0)
                .withExecution(new Execution(1, "worker-1", firstStart, firstStart.plusSeconds(1),
                        AttemptOutcome.DEFERRED, snoozed, null))
                .withRunAt(rerun);

        publish(task.admitted(), task.processing(2, 1), deferred);
        awaitCaughtUp();

        Map<String, Object> waiting = row(task.taskId());
        assertThat(waiting.get("status")).isEqualTo("RETRY_SCHEDULED");
        assertThat(waiting.get("attempts")).as("the deferred attempt does not count").isEqualTo(0);
        assertThat(instant(waiting.get("run_at"))).isEqualTo(rerun);
        assertThat(waiting.get("last_error")).as("a deferral is not an error").isNull();

        publish(TaskEvent.statusChange(task.taskId(), "default", 4, TaskStatus.QUEUED, rerun, 0),
                TaskEvent.statusChange(task.taskId(), "default", 5, TaskStatus.PROCESSING, rerun, 1)
                        .withExecution(new Execution(1, "worker-2", rerun, null, null, null, null)),
                TaskEvent.statusChange(task.taskId(), "default", 6, TaskStatus.COMPLETED, rerun.plusSeconds(2), 1)
                        .withExecution(new Execution(1, "worker-2", rerun, rerun.plusSeconds(2),
                                AttemptOutcome.COMPLETED, null, null)));
        awaitCaughtUp();

        assertThat(row(task.taskId()).get("status")).isEqualTo("COMPLETED");
        assertThat(row(task.taskId()).get("attempts")).isEqualTo(1);
        JsonNode executions = TestApi.json(TestApi.onPort(port).getAuthorized("/api/v1/tasks/" + task.taskId()
                + "/executions")).get("items");
        assertThat(executions).hasSize(2);
        assertThat(executions.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(executions.get(0).get("outcome").asString()).isEqualTo("DEFERRED");
        assertThat(executions.get(0).get("error").get("code").asString()).isEqualTo("snoozed");
        assertThat(executions.get(0).get("workerId").asString()).isEqualTo("worker-1");
        assertThat(executions.get(1).get("attempt").asInt()).as("the same attempt, run again").isEqualTo(1);
        assertThat(executions.get(1).get("outcome").asString()).isEqualTo("COMPLETED");
        assertThat(executions.get(1).get("workerId").asString()).isEqualTo("worker-2");
    }

    @Test
    void statusEventsKeepWhatTheApiRecorded() {
        TestApi api = TestApi.onPort(port);
        JsonNode accepted = TestApi.json(api.submit("{\"type\": \"log\", \"payload\": {\"m\": 1}, "
                + "\"labels\": {\"k\": \"v\"}}"));
        UUID id = UUID.fromString(accepted.get("id").asString());

        publish(TaskEvent.statusChange(id, "default", 1, TaskStatus.QUEUED, Instant.now(), 0));
        awaitCaughtUp();

        JsonNode view = TestApi.json(api.getAuthorized("/api/v1/tasks/" + id + "?include=payload"));
        assertThat(view.get("status").asString()).isEqualTo("QUEUED");
        assertThat(view.get("type").asString()).isEqualTo("log");
        assertThat(view.get("labels").get("k").asString()).isEqualTo("v");
        assertThat(view.get("payload").get("m").asInt()).isEqualTo(1);
        assertThat(view.get("createdAt").asString()).isEqualTo(accepted.get("createdAt").asString());
    }

    private JsonNode view(UUID id) {
        return TestApi.json(TestApi.onPort(port).getAuthorized("/api/v1/tasks/" + id));
    }

    @Test
    void aProgressEventOfAProcessingTaskShowsInItsView() {
        TaskEvents task = newTask();

        publish(task.admitted(), task.processing(2, 1),
                task.progress(2, 1, 40, "page 4 of 10", Duration.ofSeconds(5)));
        awaitCaughtUp();

        JsonNode view = view(task.taskId());
        assertThat(view.get("status").asString()).isEqualTo("PROCESSING");
        assertThat(view.get("progress").get("percent").asInt()).isEqualTo(40);
        assertThat(view.get("progress").get("message").asString()).isEqualTo("page 4 of 10");
        assertThat(Instant.parse(view.get("progress").get("updatedAt").asString()))
                .isEqualTo(task.startOf(1).plusSeconds(5));
        assertThat(Instant.parse(view.get("updatedAt").asString())).as("the task's last status change")
                .isEqualTo(task.startOf(1));
        assertThat(row(task.taskId()).get("version")).as("progress takes no version of its own").isEqualTo(2L);

        // a newer report replaces it; an older one that arrives late (a replay) does not
        publish(task.progress(2, 1, 70, null, Duration.ofSeconds(7)),
                task.progress(2, 1, 50, "late", Duration.ofSeconds(6)));
        awaitCaughtUp();

        JsonNode progress = view(task.taskId()).get("progress");
        assertThat(progress.get("percent").asInt()).isEqualTo(70);
        assertThat(progress.get("message").isNull()).isTrue();
        assertThat(Instant.parse(progress.get("updatedAt").asString())).isEqualTo(task.startOf(1).plusSeconds(7));
    }

    @Test
    void aProgressEventThatArrivesAfterTheCompletedEventChangesNothing() {
        TaskEvents task = newTask();
        publish(task.admitted(), task.processing(2, 1), task.progress(2, 1, 40, "halfway", Duration.ofSeconds(1)),
                task.completed(3, 1));
        awaitCaughtUp();
        Map<String, Object> completed = row(task.taskId());
        assertThat(completed.get("status")).isEqualTo("COMPLETED");
        assertThat(view(task.taskId()).get("progress").isNull()).as("a finished task shows no progress").isTrue();

        publish(task.progress(2, 1, 90, "sent before the result, arrived after it", Duration.ofMillis(1_900)));
        awaitCaughtUp();

        assertThat(row(task.taskId())).isEqualTo(completed);
        JsonNode view = view(task.taskId());
        assertThat(view.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(view.get("progress").isNull()).isTrue();
    }

    @Test
    void progressEventsInOneBatchLeaveTheNewestReportWhateverTheirOrder() {
        TaskEvents running = newTask();
        TaskEvents finished = newTask();

        publishAsOneBatch(running.progress(2, 1, 60, "newest", Duration.ofSeconds(2)), running.admitted(),
                running.progress(2, 1, 30, "older", Duration.ofSeconds(1)), running.processing(2, 1),
                finished.admitted(), finished.processing(2, 1), finished.completed(3, 1),
                finished.progress(2, 1, 30, "before the result", Duration.ofSeconds(1)));
        awaitCaughtUp();

        Map<String, Object> row = row(running.taskId());
        assertThat(row.get("status")).isEqualTo("PROCESSING");
        assertThat(row.get("progress_percent")).isEqualTo(60);
        assertThat(row.get("progress_message")).isEqualTo("newest");
        assertThat(row(finished.taskId()).get("status")).isEqualTo("COMPLETED");
        assertThat(row(finished.taskId()).get("progress_percent")).isNull();
    }

    @Test
    void aProgressEventStandsInForALostProcessingEvent() {
        TaskEvents task = newTask();

        publish(task.admitted(), task.progress(2, 1, 10, "the PROCESSING event was lost", Duration.ofSeconds(1)));
        awaitCaughtUp();

        JsonNode view = view(task.taskId());
        assertThat(view.get("status").asString()).isEqualTo("PROCESSING");
        assertThat(view.get("attempts").asInt()).isEqualTo(1);
        assertThat(Instant.parse(view.get("startedAt").asString())).isEqualTo(task.startOf(1));
        assertThat(view.get("progress").get("percent").asInt()).isEqualTo(10);
        assertThat(executions(task.taskId())).singleElement()
                .satisfies(x -> assertThat(x.get("worker_id")).isEqualTo("worker-1"));
    }

    @Test
    void aRetriedTaskShowsOnlyTheRunningAttemptsProgress() {
        TaskEvents task = newTask();
        publish(task.admitted(), task.processing(2, 1), task.progress(2, 1, 80, "attempt 1", Duration.ofSeconds(1)),
                task.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED));
        awaitCaughtUp();
        assertThat(view(task.taskId()).get("progress").isNull()).isTrue();

        publish(TaskEvent.statusChange(task.taskId(), "default", 4, TaskStatus.QUEUED, task.startOf(2), 1),
                task.processing(5, 2));
        awaitCaughtUp();
        assertThat(view(task.taskId()).get("progress").isNull()).as("attempt 2 has reported nothing yet").isTrue();

        publish(task.progress(2, 1, 90, "attempt 1, late", Duration.ofMillis(1_500)),
                task.progress(5, 2, 5, "attempt 2", Duration.ofSeconds(1)));
        awaitCaughtUp();
        JsonNode progress = view(task.taskId()).get("progress");
        assertThat(progress.get("percent").asInt()).isEqualTo(5);
        assertThat(progress.get("message").asString()).isEqualTo("attempt 2");
    }

    /**
     * What an operator does to rebuild the view (a restored database, a projection bug fixed): reset the
     * projection's group to the earliest offsets of {@code events} and let it consume everything again.
     * The rows it already holds stay exactly as they are.
     */
    @Test
    void reconsumingEveryEventFromTheBeginningChangesNothing() throws Exception {
        String tenant = "replay-" + UUID.randomUUID().toString().substring(0, 8);
        TaskEvents completed = TaskEvents.of(UUID.randomUUID(), tenant, T0);
        TaskEvents retried = TaskEvents.of(UUID.randomUUID(), tenant, T0);
        TaskEvents reversed = TaskEvents.of(UUID.randomUUID(), tenant, T0);
        TaskEvents running = TaskEvents.of(UUID.randomUUID(), tenant, T0);
        TaskEvents deadLettered = TaskEvents.of(UUID.randomUUID(), tenant, T0);
        UUID submitted = UUID.fromString(TestApi.json(TestApi.onPort(port).submit(
                "{\"type\": \"log\", \"payload\": {}, \"labels\": {\"k\": \"v\"}}")).get("id").asString());
        List<TaskEvent> events = new java.util.ArrayList<>(List.of(
                completed.admitted(), completed.processing(2, 1), completed.completed(3, 1),
                retried.admitted(), retried.processing(2, 1), retried.failedAttempt(3, 1, TaskStatus.RETRY_SCHEDULED),
                TaskEvent.statusChange(retried.taskId(), tenant, 4, TaskStatus.QUEUED, retried.startOf(2), 1),
                retried.processing(5, 2), retried.progress(5, 2, 50, "half", Duration.ofSeconds(1)),
                retried.completed(6, 2),
                running.admitted(), running.processing(2, 1), running.progress(2, 1, 30, "a third", Duration.ofSeconds(1)),
                deadLettered.admitted(), deadLettered.processing(2, 1),
                deadLettered.failedAttempt(3, 1, TaskStatus.FAILED),
                TaskEvent.statusChange(submitted, "default", 1, TaskStatus.QUEUED, T0, 0)));
        publish(events.toArray(TaskEvent[]::new));
        publishAsOneBatch(reversed.completed(3, 1), reversed.processing(2, 1), reversed.admitted());
        awaitCaughtUp();
        List<UUID> ids = List.of(completed.taskId(), retried.taskId(), reversed.taskId(), running.taskId(),
                deadLettered.taskId(), submitted);
        Map<String, List<Map<String, String>>> before = snapshot(ids);
        assertThat(before.get("tasks")).hasSize(ids.size());
        assertThat(before.get("task_executions")).hasSize(6);
        double applied = meters.get("taskstream.projection.events").tag("outcome", "applied").counter().count();

        projectionContainer.stop();
        try {
            resetToEarliest(properties.projectionGroupId(), topics.events());
        } finally {
            projectionContainer.start();
        }
        awaitCaughtUp();

        assertThat(meters.get("taskstream.projection.events").tag("outcome", "applied").counter().count() - applied)
                .as("every event was read again").isGreaterThanOrEqualTo(events.size() + 3);
        assertThat(snapshot(ids)).isEqualTo(before);
    }

    /** Sets {@code groupId}'s committed offsets on {@code topic} to each partition's earliest offset. */
    private void resetToEarliest(String groupId, String topic) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> earliest = admin.listOffsets(partitions.stream()
                            .collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest()))).all().get().entrySet()
                    .stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> new OffsetAndMetadata(e.getValue().offset())));
            // refused while the stopped consumer is still a member of the group; retried until it has left
            admin.alterConsumerGroupOffsets(groupId, earliest).all().get();
            return true;
        });
    }

    /** Every column of the tasks' rows and their executions, as text (so that bytes and json compare by value). */
    private Map<String, List<Map<String, String>>> snapshot(List<UUID> ids) {
        String in = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
        return Map.of(
                "tasks", text(jdbc.queryForList("SELECT * FROM tasks WHERE id IN (" + in + ") ORDER BY id",
                        ids.toArray())),
                "task_executions", text(jdbc.queryForList("SELECT * FROM task_executions WHERE task_id IN (" + in
                        + ") ORDER BY task_id, attempt, started_at", ids.toArray())));
    }

    private static List<Map<String, String>> text(List<Map<String, Object>> rows) {
        return rows.stream().map(row -> {
            Map<String, String> copy = new java.util.TreeMap<>();
            row.forEach((column, value) -> copy.put(column, value instanceof byte[] bytes
                    ? java.util.HexFormat.of().formatHex(bytes) : String.valueOf(value)));
            return copy;
        }).toList();
    }

    @Test
    void unreadableRecordsAreSkipped() {
        TaskEvents task = newTask();
        send(new ProducerRecord<>(topics.events(), task.taskId().toString(),
                "{not json".getBytes(StandardCharsets.UTF_8)));
        publish(task.admitted());

        awaitCaughtUp();

        assertThat(row(task.taskId()).get("status")).isEqualTo("QUEUED");
    }

    @Test
    void aRowTheDatabaseRefusesIsSkippedAndTheRestOfItsBatchApplied() {
        jdbc.execute("ALTER TABLE tasks ADD CONSTRAINT it_no_poison CHECK (type IS DISTINCT FROM 'poison')");
        try {
            TaskEvents good = newTask();
            TaskEvents poisoned = newTask();
            TaskEvent poison = new TaskEvent(poisoned.taskId(), "default", 1, TaskStatus.QUEUED, T0, "poison", null,
                    0, null, null, T0, null, null, null, null, null, null, null, null);
            double rejectedBefore = meters.get("taskstream.projection.events").tag("outcome", "rejected").counter()
                    .count();
            double fallbacksBefore = meters.get("taskstream.projection.fallbacks").counter().count();

            publishAsOneBatch(poison, good.admitted(), good.processing(2, 1));
            awaitCaughtUp();

            assertThat(row(good.taskId()).get("status")).isEqualTo("PROCESSING");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM tasks WHERE id = ?", Long.class, poisoned.taskId()))
                    .isZero();
            assertThat(meters.get("taskstream.projection.events").tag("outcome", "rejected").counter().count())
                    .isEqualTo(rejectedBefore + 1);
            assertThat(meters.get("taskstream.projection.fallbacks").counter().count()).isEqualTo(fallbacksBefore + 1);
        } finally {
            jdbc.execute("ALTER TABLE tasks DROP CONSTRAINT it_no_poison");
        }
    }

    @Test
    void anIdempotencyKeyHeldByAnotherTaskDoesNotBlockTheProjection() {
        TaskEvents first = newTask();
        TaskEvents second = newTask();
        TaskEvent secondWithFirstsKey = new TaskEvent(second.taskId(), "default", 1, TaskStatus.QUEUED, T0, "a", null,
                0, null, null, T0, Map.of(), null, null, "idem-" + first.taskId(), null, null, null, null);
        double fallbacksBefore = meters.get("taskstream.projection.fallbacks").counter().count();

        publishAsOneBatch(first.admitted(), secondWithFirstsKey);
        awaitCaughtUp();

        // Both tasks are projected; whichever arrived first (they may sit on different partitions) keeps the key.
        assertThat(row(first.taskId()).get("status")).isEqualTo("QUEUED");
        assertThat(row(second.taskId()).get("status")).isEqualTo("QUEUED");
        assertThat(jdbc.queryForList("SELECT id FROM tasks WHERE idempotency_key = ?", UUID.class,
                "idem-" + first.taskId())).hasSize(1).isSubsetOf(first.taskId(), second.taskId());
        assertThat(meters.get("taskstream.projection.fallbacks").counter().count())
                .as("resolved without failing a batch").isEqualTo(fallbacksBefore);
    }

    @Test
    void anotherTenantsTaskIsProjectedButNotShown() {
        TaskEvents foreign = TaskEvents.of(UUID.randomUUID(), "other-tenant", T0);

        publish(foreign.admitted());
        awaitCaughtUp();

        assertThat(row(foreign.taskId()).get("tenant_id")).isEqualTo("other-tenant");
        assertThat(TestApi.onPort(port).getAuthorized("/api/v1/tasks/" + foreign.taskId()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void statusOnlyEventsBeforeTheAdmissionAreCompletedByIt() {
        TaskEvents task = newTask();
        Instant late = T0.plus(1, ChronoUnit.HOURS);

        publish(TaskEvent.statusChange(task.taskId(), "default", 2, TaskStatus.PROCESSING, late, 1));
        awaitCaughtUp();
        Map<String, Object> orphan = row(task.taskId());
        assertThat(orphan.get("type")).isNull();
        assertThat(instant(orphan.get("created_at"))).isEqualTo(late);

        publish(task.admitted());
        awaitCaughtUp();

        Map<String, Object> completed = row(task.taskId());
        assertThat(completed.get("status")).isEqualTo("PROCESSING");
        assertThat(completed.get("type")).isEqualTo("email.send");
        assertThat(instant(completed.get("created_at"))).isEqualTo(T0);
        assertThat(completed.get("labels").toString()).contains("billing");
    }
}
