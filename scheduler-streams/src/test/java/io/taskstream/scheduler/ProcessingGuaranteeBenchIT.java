package io.taskstream.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.EmbeddedKafka;
import io.taskstream.scheduler.config.SchedulerProperties;
import io.taskstream.scheduler.config.SchedulerProperties.ProcessingGuarantee;
import io.taskstream.scheduler.config.StreamsSettings;
import io.taskstream.scheduler.output.SchedulerMetrics;
import io.taskstream.scheduler.topology.SchedulerTopology;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.SchemaValidator;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.Topics;
import io.taskstream.schemas.tracing.Tracing;

/**
 * A measurement, not a test: {@code exactly_once_v2} against {@code at_least_once} on the real
 * scheduler topology and a real (embedded, single-node) broker, for {@code docs/adr/0003}. Skipped
 * unless {@code -Dbench=true}:
 *
 * <pre>
 * ./mvnw -B -o -pl scheduler-streams verify -Dbench=true -Dit.test=ProcessingGuaranteeBenchIT \
 *     -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Djacoco.skip=true
 * </pre>
 *
 * Configurations: the guarantee, the commit interval and the tick ({@code punctuate-interval}), which
 * bounds how late a due task is released whatever the guarantee. Per configuration and round, on
 * fresh topics (12 partitions) and a fresh state directory:
 * <ol>
 *   <li><b>throughput</b>: {@value #THROUGHPUT_TASKS} submissions due now are written first; then
 *       the scheduler starts and works through the backlog (admission, {@code QUEUED} event,
 *       dispatch, commit); measured between the first and the last dispatch visible to a
 *       {@code read_committed} consumer of {@code ready.normal} (and, including the start-up,
 *       from {@code start()} to the last);</li>
 *   <li><b>due → dispatch latency</b>: with the scheduler running, {@value #LATENCY_TASKS} tasks due
 *       2 s ahead, one every 2 ms (500/s); per task, the time from its {@code runAt} to its dispatch
 *       being visible to that consumer (and, for comparison, to the tick that released it:
 *       {@code TaskDispatch.dispatchedAt}).</li>
 * </ol>
 * Configurations alternate round by round so slow phases of a shared machine hit all of them.
 * Results go to the log and to {@code target/bench/processing-guarantee.md}. Knobs:
 * {@code -Dbench.rounds} (default 3), {@code TASKSTREAM_KAFKA_BOOTSTRAP} (use that broker).
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class ProcessingGuaranteeBenchIT {

    static final int THROUGHPUT_TASKS = 20_000;
    static final int LATENCY_TASKS = 2_000;
    static final int PARTITIONS = 12;

    record Config(String name, ProcessingGuarantee guarantee, Duration commitInterval, Duration tick) {
    }

    /**
     * @param tasksPerSecond steady state: dispatches visible between the first and the last one
     * @param allVisibleMs   from {@code KafkaStreams.start()} (fresh state, group join included) to the last
     */
    record Result(Config config, int round, double tasksPerSecond, long allVisibleMs, Percentiles visible,
                  Percentiles ticked) {
    }

    record Percentiles(long p50, long p95, long p99, long max) {
        static Percentiles of(List<Long> values) {
            List<Long> sorted = values.stream().sorted().toList();
            return new Percentiles(at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99), sorted.getLast());
        }

        private static long at(List<Long> sorted, double q) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
        }
    }

    static final List<Config> CONFIGS = List.of(
            new Config("exactly_once_v2, commit 100 ms, tick 100 ms (default)", ProcessingGuarantee.EXACTLY_ONCE_V2,
                    Duration.ofMillis(100), Duration.ofMillis(100)),
            new Config("at_least_once, commit 100 ms, tick 100 ms", ProcessingGuarantee.AT_LEAST_ONCE,
                    Duration.ofMillis(100), Duration.ofMillis(100)),
            new Config("exactly_once_v2, commit 20 ms, tick 10 ms", ProcessingGuarantee.EXACTLY_ONCE_V2,
                    Duration.ofMillis(20), Duration.ofMillis(10)),
            new Config("at_least_once, commit 100 ms, tick 10 ms", ProcessingGuarantee.AT_LEAST_ONCE,
                    Duration.ofMillis(100), Duration.ofMillis(10)));

    static EmbeddedKafka kafka;
    static String bootstrap;
    final SchemaValidator validator = SchemaValidator.load();

    @BeforeAll
    static void broker() {
        // the clients' and broker's INFO chatter would cost CPU during the measurement
        for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger")) {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
        String given = System.getenv("TASKSTREAM_KAFKA_BOOTSTRAP");
        if (given != null && !given.isBlank()) {
            bootstrap = given;
        } else {
            kafka = EmbeddedKafka.start();
            bootstrap = kafka.bootstrapServers();
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void exactlyOnceAgainstAtLeastOnce() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 3);
        List<Result> results = new ArrayList<>();
        // round 0 warms up the JIT, the broker and the page cache for every configuration; not reported
        for (Config config : CONFIGS) {
            Result warmUp = run(config, 0);
            System.out.printf("BENCH warm-up %s: %.0f tasks/s%n", config.name(), warmUp.tasksPerSecond());
        }
        for (int round = 1; round <= rounds; round++) {
            for (Config config : CONFIGS) {
                Result result = run(config, round);
                results.add(result);
                System.out.printf("BENCH %s round %d: %.0f tasks/s, visible p50/p95/p99/max %s, ticked %s%n",
                        config.name(), round, result.tasksPerSecond(), result.visible(), result.ticked());
            }
        }
        String report = report(results, rounds);
        System.out.println(report);
        Path out = Path.of("target", "bench", "processing-guarantee.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        assertThat(results).hasSize(rounds * CONFIGS.size());
    }

    private Result run(Config config, int round) throws Exception {
        String tag = config.guarantee().config().replace('_', '-') + "-" + config.commitInterval().toMillis()
                + "ms-" + config.tick().toMillis() + "ms-" + round;
        Topics topics = new Topics("bench-" + tag + ".");
        TestTopics.create(bootstrap, topics, PARTITIONS);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < THROUGHPUT_TASKS; i++) {
                UUID id = UUID.randomUUID();
                sent.add(producer.send(new ProducerRecord<>(topics.submit(Priority.NORMAL), id.toString(), """
                        {"id": "%s", "tenantId": "bench", "type": "log", "payload": {"n": %d}}"""
                        .formatted(id, i).getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        }

        Path stateDir = Files.createTempDirectory("bench-state-");
        SchedulerProperties properties = new SchedulerProperties("bench-" + tag, null, null, config.guarantee(),
                config.commitInterval(), null, null, config.tick(), null, Duration.ofSeconds(30), 0, null, null, null, null);
        SchedulerMetrics metrics = new SchedulerMetrics(new SimpleMeterRegistry());
        KafkaStreams streams = new KafkaStreams(
                SchedulerTopology.build(topics, properties, metrics, validator, new Random(), Tracing.noop()),
                StreamsSettings.of(properties, stateDir, Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                        metrics));
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topics.ready(Priority.NORMAL), p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);

            long started = System.nanoTime();
            streams.start();
            Set<UUID> seen = new HashSet<>();
            long firstSeen = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (seen.size() < THROUGHPUT_TASKS) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(Json.mapper().readValue(r.value(), TaskDispatch.class).taskId());
                    firstSeen = firstSeen == 0 ? System.nanoTime() : firstSeen;
                }
                assertThat(System.nanoTime()).as("throughput phase within 10 min").isLessThan(deadline);
            }
            long lastSeen = System.nanoTime();
            double seconds = (lastSeen - firstSeen) / 1e9;

            Map<UUID, Instant> runAt = new HashMap<>();
            Instant base = Instant.now().plusSeconds(2);
            try (KafkaProducer<String, byte[]> producer = producer()) {
                for (int i = 0; i < LATENCY_TASKS; i++) {
                    UUID id = UUID.randomUUID();
                    Instant due = base.plusMillis(2L * i);
                    runAt.put(id, due);
                    producer.send(new ProducerRecord<>(topics.submit(Priority.NORMAL), id.toString(), """
                            {"id": "%s", "tenantId": "bench", "type": "log", "payload": {}, "runAt": "%s"}"""
                            .formatted(id, due).getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
            }
            List<Long> visible = new ArrayList<>();
            List<Long> ticked = new ArrayList<>();
            deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (visible.size() < LATENCY_TASKS) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    Instant received = Instant.now();
                    TaskDispatch dispatch = Json.mapper().readValue(r.value(), TaskDispatch.class);
                    Instant due = runAt.get(dispatch.taskId());
                    if (due != null) {
                        visible.add(Duration.between(due, received).toMillis());
                        ticked.add(Duration.between(due, dispatch.dispatchedAt()).toMillis());
                    }
                }
                assertThat(System.nanoTime()).as("latency phase within 5 min").isLessThan(deadline);
            }
            return new Result(config, round, (THROUGHPUT_TASKS - 1) / seconds, (lastSeen - started) / 1_000_000,
                    Percentiles.of(visible), Percentiles.of(ticked));
        } finally {
            streams.close(Duration.ofSeconds(30));
            deleteRecursively(stateDir);
        }
    }

    private static String report(List<Result> results, int rounds) {
        StringBuilder md = new StringBuilder();
        md.append("Median over the rounds (each figure separately):\n\n| configuration | throughput (tasks/s)")
                .append(" | due→visible p50 / p95 / p99 (ms) | due→tick p50 / p95 / p99 (ms) |\n|---|---|---|---|\n");
        for (Config config : CONFIGS) {
            List<Result> of = results.stream().filter(r -> r.config().equals(config)).toList();
            md.append("| ").append(config.name()).append(" | ")
                    .append(Math.round(median(of.stream().map(Result::tasksPerSecond).toList()))).append(" | ")
                    .append(medianOf(of, r -> r.visible().p50())).append(" / ")
                    .append(medianOf(of, r -> r.visible().p95())).append(" / ")
                    .append(medianOf(of, r -> r.visible().p99())).append(" | ")
                    .append(medianOf(of, r -> r.ticked().p50())).append(" / ")
                    .append(medianOf(of, r -> r.ticked().p95())).append(" / ")
                    .append(medianOf(of, r -> r.ticked().p99())).append(" |\n");
        }
        md.append("\nEvery round:\n\n");
        md.append("\nMachine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Java ")
                .append(Runtime.version()).append(", single embedded KRaft broker, ").append(PARTITIONS)
                .append(" partitions, 1 stream thread; ").append(rounds).append(" round(s) per configuration.\n\n");
        md.append("| configuration | round | throughput (tasks/s, ").append(THROUGHPUT_TASKS)
                .append(" tasks) | start → all visible (ms) | due→visible p50 / p95 / p99 / max (ms)")
                .append(" | due→tick p50 / p95 / p99 (ms) |\n|---|---|---|---|---|---|\n");
        results.stream().sorted(Comparator.comparing((Result r) -> CONFIGS.indexOf(r.config()))
                        .thenComparing(Result::round))
                .forEach(r -> md.append("| ").append(r.config().name()).append(" | ").append(r.round())
                        .append(" | ").append(Math.round(r.tasksPerSecond())).append(" | ").append(r.allVisibleMs())
                        .append(" | ").append(r.visible().p50()).append(" / ").append(r.visible().p95()).append(" / ")
                        .append(r.visible().p99()).append(" / ").append(r.visible().max()).append(" | ")
                        .append(r.ticked().p50()).append(" / ").append(r.ticked().p95()).append(" / ")
                        .append(r.ticked().p99()).append(" |\n"));
        return md.toString();
    }

    private static long medianOf(List<Result> results, java.util.function.ToLongFunction<Result> figure) {
        return Math.round(median(results.stream().map(r -> (double) figure.applyAsLong(r)).toList()));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        // not idempotent: right after topic creation the single test broker answers an idempotent
        // producer's retries with OutOfOrderSequence; a duplicate submission is dropped by dedup anyway
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
