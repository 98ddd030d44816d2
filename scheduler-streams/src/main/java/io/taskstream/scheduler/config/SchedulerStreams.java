package io.taskstream.scheduler.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.state.TaskStore;
import io.taskstream.schemas.Topics;

/**
 * Runs the scheduler's {@link KafkaStreams} for the life of the Spring context. It starts last
 * (after {@code KafkaAdmin} created missing topics), checks that the topics the topology reads
 * and writes exist and that the inputs are co-partitioned, and fails the start-up with one
 * message if not; it closes first, committing and leaving the group, then deletes the state
 * directory if it made a temporary one.
 *
 * <p>A stream thread that dies of an unexpected exception is replaced (the stream task restarts
 * from its last commit); a missing topic or a JVM {@link Error} shuts the client down and the
 * health indicator reports DOWN.
 *
 * <p>The client's own metrics ({@link KafkaStreamsMetrics}: {@code kafka_stream_*} and those of its
 * consumers and producers, {@code kafka_consumer_*}, {@code kafka_producer_*}) and the size of the timer
 * store ({@code scheduler_timer_store_size}) are bound to the scheduler's registry.
 */
public final class SchedulerStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SchedulerStreams.class);

    private final Topology topology;
    private final SchedulerProperties properties;
    private final Map<String, Object> baseConfig;
    private final Topics topics;
    private final KafkaAdmin admin;
    private final SchedulerMetrics metrics;

    // Touched only by the Spring lifecycle thread (start/stop); volatile for the health indicator.
    private volatile KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private Path temporaryStateDir;

    public SchedulerStreams(Topology topology, SchedulerProperties properties, Map<String, Object> baseConfig,
                            Topics topics, KafkaAdmin admin, SchedulerMetrics metrics) {
        this.topology = topology;
        this.properties = properties;
        this.baseConfig = Map.copyOf(baseConfig);
        this.topics = topics;
        this.admin = admin;
        this.metrics = metrics;
        metrics.timerStoreSize(this::timerStoreEntries);
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        checkTopics();
        Path stateDir = properties.stateDir() != null ? properties.stateDir() : createTemporaryStateDir();
        KafkaStreams created = new KafkaStreams(topology,
                StreamsSettings.of(properties, stateDir, baseConfig, metrics));
        created.setUncaughtExceptionHandler(SchedulerStreams::onUncaughtException);
        created.setStateListener((now, before) -> log.info("scheduler streams {} -> {}", before, now));
        streamsMetrics = new KafkaStreamsMetrics(created);
        streamsMetrics.bindTo(metrics.registry());
        created.start();
        streams = created;
        log.info("scheduler streams started: application id {}, state dir {}, {}", properties.applicationId(),
                stateDir, properties.processingGuarantee().config());
    }

    @Override
    public synchronized void stop() {
        KafkaStreams running = streams;
        if (running == null) {
            return;
        }
        streams = null;
        if (!running.close(new KafkaStreams.CloseOptions().timeout(properties.closeTimeout()).leaveGroup(true))) {
            log.warn("scheduler streams did not close within {}", properties.closeTimeout());
        }
        streamsMetrics.close();
        if (temporaryStateDir != null) {
            deleteRecursively(temporaryStateDir);
            temporaryStateDir = null;
        }
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** The state of the Kafka Streams client, or null while it is not started. */
    public KafkaStreams.State state() {
        KafkaStreams current = streams;
        return current == null ? null : current.state();
    }

    /**
     * The entries of the timer stores of this instance's active tasks (RocksDB's estimate), read through
     * interactive queries; 0 while the client is not running or its stores cannot be queried (a rebalance).
     */
    long timerStoreEntries() {
        KafkaStreams current = streams;
        if (current == null) {
            return 0;
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(TaskStore.TIMERS,
                    QueryableStoreTypes.<Bytes, String>keyValueStore())).approximateNumEntries();
        } catch (InvalidStateStoreException e) {
            return 0;
        }
    }

    static StreamThreadExceptionResponse onUncaughtException(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof Error || t instanceof MissingSourceTopicException) {
                log.error("scheduler streams stopping: fatal error", exception);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
        }
        log.error("scheduler stream thread died; replacing it", exception);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private void checkTopics() {
        List<String> inputs = new ArrayList<>(topics.submitTopics());
        inputs.add(topics.results());
        inputs.add(topics.control());
        List<String> all = new ArrayList<>(inputs);
        all.addAll(topics.readyTopics());
        all.add(topics.events());
        all.add(topics.dlq());
        all.add(topics.schedules());
        all.add(topics.scheduleRuns());
        Map<String, TopicDescription> found;
        try {
            found = admin.describeTopics(all.toArray(String[]::new));
        } catch (RuntimeException e) {
            throw new IllegalStateException("the scheduler needs the topics " + all + " and could not describe them"
                    + " (is Kafka reachable, and were they created? see taskstream.topics.*): " + rootMessage(e), e);
        }
        Map<String, Integer> partitions = new TreeMap<>();
        for (String input : inputs) {
            partitions.put(input, found.get(input).partitions().size());
        }
        if (partitions.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("the submit topics, " + topics.results() + " and " + topics.control()
                    + " must have the same number of partitions (they are co-partitioned by task id): " + partitions);
        }
        int schedules = found.get(topics.schedules()).partitions().size();
        int runs = found.get(topics.scheduleRuns()).partitions().size();
        if (schedules != runs) {
            throw new IllegalStateException(topics.schedules() + " and " + topics.scheduleRuns()
                    + " must have the same number of partitions (they are co-partitioned by schedule): "
                    + Map.of(topics.schedules(), schedules, topics.scheduleRuns(), runs));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private Path createTemporaryStateDir() {
        try {
            temporaryStateDir = Files.createTempDirectory("taskstream-scheduler-");
            return temporaryStateDir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete the temporary state directory {}", dir, e);
        }
    }
}
