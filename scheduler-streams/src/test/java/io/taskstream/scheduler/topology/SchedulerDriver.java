package io.taskstream.scheduler.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

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
 * real Streams configuration, a fake wall clock starting at {@link #T0} and a meter registry to
 * read counters from. Records are piped with the current wall-clock time as their timestamp.
 */
final class SchedulerDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final SchemaValidator VALIDATOR = SchemaValidator.load();

    final Topics topics = Topics.withDefaultPrefix();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final SchedulerProperties properties;
    final TopologyTestDriver driver;
    private Instant now = T0;

    SchedulerDriver(Path stateDir) {
        this(stateDir, SchedulerProperties.defaults());
    }

    SchedulerDriver(Path stateDir, SchedulerProperties properties) {
        this.properties = properties;
        SchedulerMetrics metrics = new SchedulerMetrics(registry);
        var config = StreamsSettings.of(properties, stateDir,
                Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), metrics);
        driver = new TopologyTestDriver(SchedulerTopology.build(topics, properties, metrics, VALIDATOR), config, T0);
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
