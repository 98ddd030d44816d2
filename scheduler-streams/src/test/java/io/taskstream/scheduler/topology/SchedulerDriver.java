package io.taskstream.scheduler.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.config.StreamsSettings;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The real topology ({@link SchedulerTopology#build}) in a {@link TopologyTestDriver}, with the
 * real Streams configuration, a fake wall clock starting at {@link #T0}, a seeded random generator
 * for jitter and a meter registry to read counters from. Records are piped with the current
 * wall-clock time as their timestamp.
 */
final class SchedulerDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final SchemaValidator VALIDATOR = SchemaValidator.load();

    final Topics topics = Topics.withDefaultPrefix();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final SchedulerProperties properties;
    final TopologyTestDriver driver;
    private final Map<UUID, List<String>> versionLogs = new HashMap<>();
    private Instant now = T0;

    SchedulerDriver(Path stateDir) {
        this(stateDir, SchedulerProperties.defaults());
    }

    SchedulerDriver(Path stateDir, SchedulerProperties properties) {
        this(stateDir, properties, new Random(42));
    }

    SchedulerDriver(Path stateDir, SchedulerProperties properties, RandomGenerator random) {
        this.properties = properties;
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        var config = StreamsSettings.of(properties, stateDir,
                Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), metrics);
        driver = new TopologyTestDriver(SchedulerTopology.build(topics, properties, metrics, VALIDATOR, random),
                config, T0);
    }

    Instant now() {
        return now;
    }

    /** Moves the wall clock (firing due punctuations). */
    void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    TestInputTopic<String, byte[]> submitTopic(Priority priority) {
        return driver.createInputTopic(topics.submit(priority), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
    }

    void submit(Priority topic, String key, String json) {
        submit(topic, key, json == null ? null : json.getBytes(StandardCharsets.UTF_8), new RecordHeaders());
    }

    void submit(Priority topic, String key, byte[] value, RecordHeaders headers) {
        submitTopic(topic).pipeInput(new TestRecord<>(key, value, headers, now));
    }

    void result(AttemptResult result) {
        result(result.taskId().toString(), Json.mapper().writeValueAsBytes(result));
    }

    void result(String key, byte[] value) {
        driver.createInputTopic(topics.results(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
    }

    void control(ControlCommand command) {
        control(command.taskId().toString(), Json.mapper().writeValueAsBytes(command));
    }

    void control(String key, byte[] value) {
        driver.createInputTopic(topics.control(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
    }

    /** A command of tenant {@code acme}, requested now by {@code ops}. */
    ControlCommand command(UUID taskId, ControlCommand.Kind kind, Priority priority) {
        return new ControlCommand(taskId, "acme", kind, priority, now, "ops");
    }

    TestOutputTopic<String, TaskEvent> events() {
        return driver.createOutputTopic(topics.events(), Serdes.String().deserializer(),
                JsonSerde.of(TaskEvent.class).deserializer());
    }

    TestOutputTopic<String, DeadLetter> dlq() {
        return driver.createOutputTopic(topics.dlq(), Serdes.String().deserializer(),
                JsonSerde.of(DeadLetter.class).deserializer());
    }

    TestOutputTopic<String, TaskDispatch> ready(Priority priority) {
        return driver.createOutputTopic(topics.ready(priority), Serdes.String().deserializer(),
                JsonSerde.of(TaskDispatch.class).deserializer());
    }

    TestOutputTopic<String, byte[]> submitOutput(Priority priority) {
        return driver.createOutputTopic(topics.submit(priority), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    /**
     * The events published since the last read, in order; each is also added to its task's
     * {@linkplain #assertVersionsStrictlyIncrease version log}.
     */
    List<TaskEvent> takeEvents() {
        List<TaskEvent> events = events().readValuesToList();
        events.forEach(e -> versionLog(e.taskId()).add(e.status() + "@" + e.version()));
        return events;
    }

    /**
     * The dispatches on {@code ready.<priority>} since the last read, in order; each adds the
     * version it reserves for the worker's {@code PROCESSING} event to its task's version log.
     */
    List<TaskDispatch> takeDispatches(Priority priority) {
        List<TaskDispatch> dispatches = ready(priority).readValuesToList();
        dispatches.forEach(d -> versionLog(d.taskId()).add("PROCESSING(worker)@" + d.eventVersion()));
        return dispatches;
    }

    /** Reads every output topic's pending events and dispatches into the version log. */
    void takeAll() {
        takeEvents();
        for (Priority priority : Priority.values()) {
            takeDispatches(priority);
        }
    }

    /**
     * Every event of {@code taskId} read through {@link #takeEvents} and every {@code PROCESSING}
     * version a dispatch reserved ({@link #takeDispatches}), in the order the test read them, has a
     * strictly higher version than the one before: the projection will never move it backwards.
     */
    void assertVersionsStrictlyIncrease(UUID taskId) {
        List<String> log = versionLog(taskId);
        assertThat(log).as("versions of %s", taskId).isNotEmpty();
        for (int i = 1; i < log.size(); i++) {
            assertThat(versionOf(log.get(i))).as("version order of %s: %s", taskId, log)
                    .isGreaterThan(versionOf(log.get(i - 1)));
        }
    }

    /** The version log of {@code taskId}: {@code STATUS@version} entries in reading order. */
    List<String> versionLog(UUID taskId) {
        return versionLogs.computeIfAbsent(taskId, id -> new ArrayList<>());
    }

    private static long versionOf(String entry) {
        return Long.parseLong(entry.substring(entry.indexOf('@') + 1));
    }

    double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A result of {@code attempt} from worker {@code w1}, started a second ago. */
    AttemptResult resultOf(UUID taskId, int attempt, AttemptOutcome outcome, JsonNode value, TaskError error) {
        return new AttemptResult(taskId, "acme", attempt, 7, "w1", outcome, value, error, now.minusSeconds(1), now);
    }

    static String header(TestRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** A minimal valid submission of tenant {@code acme}; {@code extra} is spliced into the object. */
    static String submission(UUID id, String extra) {
        return """
                {%s"tenantId": "acme", "type": "email.send", "payload": {"to": "a@example.com"}%s}"""
                .formatted(id == null ? "" : "\"id\": \"" + id + "\", ", extra.isEmpty() ? "" : ", " + extra);
    }

    @Override
    public void close() {
        driver.close();
    }
}
