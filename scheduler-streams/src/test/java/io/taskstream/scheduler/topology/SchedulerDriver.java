package io.taskstream.scheduler.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.config.StreamsSettings;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.schedules.ScheduleState;
import io.taskstream.scheduler.schedules.ScheduleStore;
import io.taskstream.scheduler.state.TaskState;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.scheduler.state.TimerKey;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.TaskError;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.metrics.BoundedTagValues;
import io.taskstream.schemas.tracing.Tracing;
import tools.jackson.databind.JsonNode;

/**
 * The one fixture of the topology specs: the real topology ({@link SchedulerTopology#build}) in a
 * {@link TopologyTestDriver}, with the real Streams configuration, a fake wall clock starting at
 * {@link #T0}, a seeded random generator for jitter, a meter registry to read counters from, and the
 * steps specs share (submit, result, control, step the clock, read what came out). Records are piped
 * with the current wall-clock time as their timestamp.
 *
 * <p>A spec registers it as a field, closed after every test (state directory included):
 * <pre>{@code
 * @RegisterExtension
 * final SchedulerDriver scheduler = new SchedulerDriver().withPunctuateInterval(Duration.ofMillis(1));
 * }</pre>
 * The topology starts at its first use (a record piped, an output or store read, a clock step), with
 * the properties set by then: {@link SchedulerProperties#defaults()} changed by the {@code with…}
 * methods, which a test calls first to vary them (a started topology cannot change: they throw then).
 */
final class SchedulerDriver implements AutoCloseable, AfterEachCallback {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final SchemaValidator VALIDATOR = SchemaValidator.load();
    /** A retryable failure, as a handler that threw reports it. */
    static final TaskError BOOM = TaskError.retryable("handler_error", "boom");
    /** How long after its dispatch an attempt times out by default: timeout PT5M + dispatch grace PT30S. */
    static final Duration DEADLINE = Duration.ofMinutes(5).plusSeconds(30);

    final Topics topics = Topics.withDefaultPrefix();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<UUID, List<String>> versionLogs = new HashMap<>();
    private SchedulerProperties properties = SchedulerProperties.defaults();
    private RandomGenerator random = new Random(42);
    private Tracing tracing = Tracing.noop();
    private int maxTagValues = BoundedTagValues.DEFAULT_MAX_VALUES;
    private Path stateDir;
    private TopologyTestDriver driver;
    private boolean closed;
    private Instant now = T0;

    // ------------------------------------------------------------------ configuration (before the start)

    SchedulerDriver withPunctuateInterval(Duration interval) {
        return configure(p -> p.withPunctuateInterval(interval));
    }

    SchedulerDriver withMaxDuePerTick(int max) {
        return configure(p -> p.withMaxDuePerTick(max));
    }

    SchedulerDriver withDedupWindow(Duration window) {
        return configure(p -> p.withDedupWindow(window));
    }

    SchedulerDriver withBackoff(SchedulerProperties.BackoffDefaults backoff) {
        return configure(p -> p.withBackoff(backoff));
    }

    SchedulerDriver withDeferral(SchedulerProperties.DeferralLimits deferral) {
        return configure(p -> p.withDeferral(deferral));
    }

    SchedulerDriver withSchedules(SchedulerProperties.ScheduleSettings schedules) {
        return configure(p -> p.withSchedules(schedules));
    }

    /** Spans of the topology go to {@code tracing} (default: none). */
    SchedulerDriver withTracing(Tracing tracing) {
        requireNotStarted();
        this.tracing = tracing;
        return this;
    }

    /** The generator the backoff jitter draws from, instead of {@code new Random(42)}. */
    SchedulerDriver withRandom(RandomGenerator generator) {
        requireNotStarted();
        random = generator;
        return this;
    }

    /** The bound on distinct tenants and types in the task counters ({@code taskstream.metrics.max-tag-values}). */
    SchedulerDriver withMaxTagValues(int max) {
        requireNotStarted();
        maxTagValues = max;
        return this;
    }

    private SchedulerDriver configure(UnaryOperator<SchedulerProperties> change) {
        requireNotStarted();
        properties = change.apply(properties);
        return this;
    }

    private void requireNotStarted() {
        if (driver != null || closed) {
            throw new IllegalStateException("configure the scheduler before its first record or clock step");
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** The test driver, started on first use with the properties configured until then. */
    TopologyTestDriver driver() {
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        if (driver == null) {
            try {
                stateDir = Files.createTempDirectory("scheduler-driver-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SchedulerMetrics metrics = new SchedulerMetrics(registry, maxTagValues);
            var config = StreamsSettings.of(properties, stateDir,
                    Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092"), metrics);
            driver = new TopologyTestDriver(SchedulerTopology.build(topics, properties, metrics, VALIDATOR, random, tracing),
                    config, T0);
            // what SchedulerStreams reads through interactive queries, read from the driver's store
            metrics.timerStoreSize(() -> timers().approximateNumEntries());
        }
        return driver;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** Closes the topology and deletes its state directory; a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (driver != null) {
            driver.close();
            deleteRecursively(stateDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ time

    Instant now() {
        return now;
    }

    /** Moves the wall clock (firing due punctuations). */
    void advance(Duration duration) {
        driver().advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    /**
     * Steps to 1 ms before {@code runAt}, where nothing may be released, then onto it, where the task
     * must be {@code QUEUED} and dispatched on {@code ready.normal} at exactly {@code runAt}; returns that
     * dispatch. Needs the tick to run every millisecond ({@link #withPunctuateInterval}).
     */
    TaskDispatch stepToRunAt(Instant runAt) {
        advance(Duration.between(now, runAt).minusMillis(1));
        assertThat(takeDispatches(Priority.NORMAL)).as("1 ms before its runAt").isEmpty();
        assertThat(takeEvents()).isEmpty();

        advance(Duration.ofMillis(1));
        assertThat(takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
        List<TaskDispatch> dispatches = takeDispatches(Priority.NORMAL);
        assertThat(dispatches).as("at its runAt").hasSize(1);
        assertThat(dispatches.getFirst().dispatchedAt()).isEqualTo(runAt);
        return dispatches.getFirst();
    }

    // ------------------------------------------------------------------ input

    TestInputTopic<String, byte[]> submitTopic(Priority priority) {
        return driver().createInputTopic(topics.submit(priority), Serdes.String().serializer(),
                Serdes.ByteArray().serializer());
    }

    void submit(Priority topic, String key, String json) {
        submit(topic, key, json == null ? null : json.getBytes(StandardCharsets.UTF_8), new RecordHeaders());
    }

    void submit(Priority topic, String key, byte[] value, RecordHeaders headers) {
        submitTopic(topic).pipeInput(new TestRecord<>(key, value, headers, now));
    }

    /** Submits {@link #submission submission(id, extra)} on {@code submit.normal}, keyed by its id. */
    void submit(UUID id, String extra) {
        submit(Priority.NORMAL, id.toString(), submission(id, extra));
    }

    /**
     * Submits a task due now ({@code extra} spliced into its submission), checks it is {@code QUEUED}
     * and dispatched once on {@code ready.normal}, and returns that dispatch.
     */
    TaskDispatch dispatched(UUID id, String extra) {
        submit(id, extra);
        assertThat(takeEvents()).extracting(TaskEvent::status).containsExactly(TaskStatus.QUEUED);
        List<TaskDispatch> dispatches = takeDispatches(Priority.NORMAL);
        assertThat(dispatches).as("dispatches of a task due now").hasSize(1);
        return dispatches.getFirst();
    }

    void result(AttemptResult result) {
        result(result.taskId().toString(), Json.mapper().writeValueAsBytes(result));
    }

    void result(String key, byte[] value) {
        driver().createInputTopic(topics.results(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
    }

    void control(ControlCommand command) {
        control(command.taskId().toString(), Json.mapper().writeValueAsBytes(command));
    }

    void control(String key, byte[] value) {
        driver().createInputTopic(topics.control(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
    }

    /** Writes {@code definition} to {@code schedules}, keyed by its key. */
    void schedule(ScheduleDefinition definition) {
        schedule(definition.key(), Json.mapper().writeValueAsBytes(definition));
    }

    /** Writes a record to {@code schedules}; a null value is a tombstone. */
    void schedule(String key, byte[] value) {
        driver().createInputTopic(topics.schedules(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
    }

    /** Sends {@link #command command(taskId, kind, null)}. */
    void control(UUID taskId, ControlCommand.Kind kind) {
        control(command(taskId, kind, null));
    }

    /** Sends {@link #command command(taskId, kind, priority)}. */
    void control(UUID taskId, ControlCommand.Kind kind, Priority priority) {
        control(command(taskId, kind, priority));
    }

    /** A command of tenant {@code acme}, requested now by {@code ops}. */
    ControlCommand command(UUID taskId, ControlCommand.Kind kind, Priority priority) {
        return new ControlCommand(taskId, "acme", kind, priority, now, "ops");
    }

    // ------------------------------------------------------------------ output and state

    TestOutputTopic<String, TaskEvent> events() {
        return driver().createOutputTopic(topics.events(), Serdes.String().deserializer(),
                JsonSerde.of(TaskEvent.class).deserializer());
    }

    TestOutputTopic<String, DeadLetter> dlq() {
        return driver().createOutputTopic(topics.dlq(), Serdes.String().deserializer(),
                JsonSerde.of(DeadLetter.class).deserializer());
    }

    TestOutputTopic<String, TaskDispatch> ready(Priority priority) {
        return driver().createOutputTopic(topics.ready(priority), Serdes.String().deserializer(),
                JsonSerde.of(TaskDispatch.class).deserializer());
    }

    TestOutputTopic<String, byte[]> submitOutput(Priority priority) {
        return driver().createOutputTopic(topics.submit(priority), Serdes.String().deserializer(),
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

    /** The tasks schedules fired (on {@code submit.<priority>}) since the last read, in order. */
    List<TaskSubmission> takeFired(Priority priority) {
        return submitOutput(priority).readValuesToList().stream()
                .map(value -> Json.mapper().readValue(value, TaskSubmission.class)).toList();
    }

    /** The schedules' state, by schedule key. */
    KeyValueStore<String, ScheduleState> schedules() {
        return driver().getKeyValueStore(ScheduleStore.SCHEDULES);
    }

    /** The task states, by task id. */
    KeyValueStore<String, TaskState> tasks() {
        return driver().getKeyValueStore(TaskStore.TASKS);
    }

    /** The index of waiting tasks by due time ({@link TimerKey} → task id). */
    KeyValueStore<Bytes, String> timers() {
        return driver().getKeyValueStore(TaskStore.TIMERS);
    }

    /** A task counter ({@code tasks.completed}, …) of the tasks {@link #submission} makes: acme's email.send, normal. */
    double taskCount(String name) {
        return count(name, "tenant", "acme", "type", "email.send", "priority", "normal");
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

}
