package io.taskstream.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.taskstream.schemas.CronSchedule;
import io.taskstream.schemas.Document;
import io.taskstream.schemas.Headers;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.ScheduleDefinition.TaskTemplate;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The {@code schedules} scenario (issue #6: "10,000 schedules firing every minute, all on time"): writes
 * {@code schedules} cron schedules straight to the compacted {@code schedules} topic, watches them fire
 * for {@code minutes} minutes and reports how late each fire time's fires, queue events and completions
 * were ({@link FireLedger}), then deletes the schedules again (tombstones; also on Ctrl-C).
 *
 * <p>How it runs:
 * <ol>
 *   <li>It assigns itself every partition of the submit topics, {@code events} and {@code dlq} and fixes
 *       its position at their ends ({@code read_committed}), before writing anything.</li>
 *   <li>It writes the definitions (tenant {@code bench-<run id>}, fresh schedule ids, one task of
 *       {@code type} at priority {@code NORMAL}, {@code updatedAt} now) with one batching producer
 *       ({@code acks=all}) and waits for every acknowledgement.</li>
 *   <li>It reads the topics until every measured fire time ({@link FireWindow}: not the first one) has
 *       all its fires, queue events and completions, and {@link #QUIET} more for late duplicates — or
 *       until {@code timeout} after the last one.</li>
 * </ol>
 * It does not need the API: the definitions are what the API would write.
 *
 * @param kafka     bootstrap servers of the running Taskstream
 * @param schedules how many schedules to write
 * @param minutes   how many minutes of fire times to measure after the first fire time
 * @param cron      every schedule's cron expression (UTC)
 * @param type      the task type each fire submits
 * @param payload   its payload (a JSON object)
 * @param timeout   how long after the last measured fire time to wait for missing fires and events
 * @param clock     the wall clock (the scheduler's fire times are wall-clock times)
 */
public record ScheduleScenario(String kafka, Topics topics, int schedules, int minutes, String cron, String type,
                               String payload, Duration timeout, Clock clock) implements Scenario {

    public static final String DEFAULT_CRON = "* * * * *";
    public static final String DEFAULT_TYPE = "log";
    public static final String DEFAULT_PAYLOAD = "{\"message\": \"bench\"}";

    /** After everything expected has come, how long to keep reading for duplicates. */
    static final Duration QUIET = Duration.ofSeconds(2);

    /** How long after a fire time its progress line is printed. */
    static final Duration PROGRESS_AFTER = Duration.ofSeconds(5);

    public ScheduleScenario {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(clock, "clock");
        if (schedules < 1) {
            throw new IllegalArgumentException("--schedules must be at least 1");
        }
        if (minutes < 1) {
            throw new IllegalArgumentException("--minutes must be at least 1");
        }
        if (cron == null || cron.isBlank()) {
            throw new IllegalArgumentException("--cron must be a cron expression such as '* * * * *'");
        }
        if (type == null || !TaskSubmission.TYPE_PATTERN.matcher(type).matches()) {
            throw new IllegalArgumentException("--type must match " + TaskSubmission.TYPE_PATTERN.pattern());
        }
        payloadJson(payload);
    }

    private static JsonNode payloadJson(String payload) {
        JsonNode json;
        try {
            json = payload == null ? null : Json.mapper().readTree(payload);
        } catch (RuntimeException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("--payload must be a JSON object");
        }
        return json;
    }

    /**
     * Runs the scenario, prints its report on {@code out} and answers its figures.
     *
     * @throws CronSchedule.InvalidCronException when the cron cannot be used (before anything is written)
     */
    @Override
    public FireLedger.Summary run(PrintStream out) throws Exception {
        CronSchedule schedule = CronSchedule.parse(cron, "UTC", CronSchedule.DEFAULT_MIN_INTERVAL);
        String tenant = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> keys = new ArrayList<>(schedules);
        Set<UUID> ours = new HashSet<>();
        AtomicBoolean deleted = new AtomicBoolean();
        Thread onCtrlC = Thread.ofPlatform().name("bench-schedules-cleanup").unstarted(() -> {
            if (deleted.compareAndSet(false, true)) {
                try (KafkaProducer<String, byte[]> producer = producer("bench-schedules-cleanup")) {
                    out.println("  interrupted: " + delete(producer, keys));
                }
            }
        });
        out.printf(Locale.ROOT, "schedules: %d schedules \"%s\" (UTC), each firing a '%s' task, tenant %s, Kafka %s%n",
                schedules, cron, type, tenant, kafka);
        try (KafkaConsumer<String, byte[]> consumer = consumer();
             KafkaProducer<String, byte[]> producer = producer("bench-schedules")) {
            watchFromTheEnd(consumer);
            Instant writtenAt = clock.instant();
            List<ScheduleDefinition> definitions = definitions(tenant, writtenAt);
            definitions.forEach(d -> {
                keys.add(d.key());
                ours.add(d.scheduleId());
            });
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            try {
                write(producer, definitions);
                out.printf(Locale.ROOT, "  wrote %d definitions to %s in %.1f s (acks=all)%n", schedules,
                        topics.schedules(), Duration.between(writtenAt, clock.instant()).toMillis() / 1000.0);
                FireWindow window = FireWindow.of(schedule::nextAfter, writtenAt, Duration.ofMinutes(minutes));
                out.printf(Locale.ROOT, "  measuring fire times %s to %s (%d); not the first, %s%n",
                        Report.fireTime(window.measured().getFirst()), Report.fireTime(window.end()),
                        window.measured().size(), Report.fireTime(window.warmUp()));
                return watch(consumer, window, tenant, ours, out);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(onCtrlC);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook deletes them
                }
                if (deleted.compareAndSet(false, true)) {
                    out.println("  " + delete(producer, keys));
                }
            }
        }
    }

    /** Reads the topics until the window is in (or given up on) and prints the report. */
    private FireLedger.Summary watch(KafkaConsumer<String, byte[]> consumer, FireWindow window, String tenant,
                                     Set<UUID> ours, PrintStream out) {
        FireLedger ledger = new FireLedger();
        Instant cpuFrom = window.measured().getFirst().minusSeconds(1);
        Instant deadline = window.end().plus(timeout);
        Optional<HostCpu> cpuBefore = HostCpu.read(HostCpu.PROC_STAT);
        boolean cpuFromReached = false;
        Instant nextCheck = Instant.MIN;
        Instant allInSince = null;
        Deque<Instant> toAnnounce = new ArrayDeque<>(window.measured());
        toAnnounce.addFirst(window.warmUp());
        while (true) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                observe(record, topics, tenant, ours, ledger);
            }
            Instant now = clock.instant();
            if (!toAnnounce.isEmpty() && !now.isBefore(toAnnounce.peekFirst().plus(PROGRESS_AFTER))) {
                // a sign of life in a run of minutes; the figures come at the end
                Instant fireTime = toAnnounce.removeFirst();
                out.printf(Locale.ROOT, "  ... %s: %d of %d fired so far%s%n", Report.fireTime(fireTime),
                        ledger.firedFor(fireTime), schedules,
                        fireTime.equals(window.warmUp()) ? " (not measured)" : "");
            }
            if (!cpuFromReached && !now.isBefore(cpuFrom)) {
                cpuBefore = HostCpu.read(HostCpu.PROC_STAT);
                cpuFromReached = true;
            }
            if (allInSince == null && !now.isBefore(nextCheck)) {
                nextCheck = now.plusSeconds(1);
                allInSince = ledger.outstanding(window, schedules) == 0 ? now : null;
            }
            if (allInSince != null && !now.isBefore(allInSince.plus(QUIET))) {
                break;
            }
            if (now.isAfter(deadline)) {
                out.printf(Locale.ROOT, "  gave up %d s after the last fire time: %d fires, queue or completion "
                        + "events still missing%n", timeout.toSeconds(), ledger.outstanding(window, schedules));
                break;
            }
        }
        Optional<HostCpu> cpuAfter = HostCpu.read(HostCpu.PROC_STAT);
        FireLedger.Summary summary = ledger.summary(window, schedules);
        Report.print(out, summary);
        out.println("  dead letters of these schedules or their tasks (dlq): " + summary.deadLetters());
        out.println("  " + HostCpu.describe(cpuBefore, cpuAfter));
        return summary;
    }

    /**
     * Takes one record of the watched topics into the ledger: a submission of one of {@code ours}
     * schedules, a {@code QUEUED} or {@code COMPLETED} event of the run's tenant, a dead letter of the
     * run. Anything else (other tenants, other statuses, unreadable values) is passed over.
     */
    static void observe(ConsumerRecord<String, byte[]> record, Topics topics, String tenant, Set<UUID> ours,
                        FireLedger ledger) {
        if (record.topic().equals(topics.dlq())) {
            if (record.key() != null && record.key().startsWith(tenant + "/")
                    || record.value() != null && new String(record.value(), StandardCharsets.UTF_8).contains(tenant)) {
                ledger.deadLetter();
            }
            return;
        }
        JsonNode json;
        try {
            json = record.value() == null ? null : Json.mapper().readTree(record.value());
        } catch (RuntimeException e) {
            return;
        }
        if (json == null || !tenant.equals(text(json, "tenantId"))) {
            return;
        }
        Instant at = Instant.ofEpochMilli(record.timestamp());
        if (record.topic().equals(topics.events())) {
            UUID taskId = uuid(json, "taskId");
            String status = text(json, "status");
            if (taskId != null && "QUEUED".equals(status)) {
                ledger.queued(taskId, at);
            } else if (taskId != null && "COMPLETED".equals(status)) {
                ledger.completed(taskId, at);
            }
            return;
        }
        UUID scheduleId = uuid(json, "scheduleId");
        UUID taskId = uuid(json, "id");
        Instant runAt = instant(json, "runAt");
        if (scheduleId != null && ours.contains(scheduleId) && taskId != null && runAt != null) {
            ledger.fired(taskId, scheduleId, runAt, at);
        }
    }

    /** The run's definitions, all written {@code at}. */
    List<ScheduleDefinition> definitions(String tenant, Instant at) {
        TaskTemplate task = new TaskTemplate(type, payloadJson(payload), Priority.NORMAL, null, null, null, null);
        List<ScheduleDefinition> definitions = new ArrayList<>(schedules);
        for (int i = 0; i < schedules; i++) {
            definitions.add(new ScheduleDefinition(UUID.randomUUID(), tenant, "bench " + i, cron, "UTC", task, true,
                    null, null, at));
        }
        return definitions;
    }

    private void watchFromTheEnd(KafkaConsumer<String, byte[]> consumer) {
        List<String> watched = new ArrayList<>(topics.submitTopics());
        watched.add(topics.events());
        watched.add(topics.dlq());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : watched) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist: is ./taskstream dev running "
                        + "(with this --topic-prefix)?");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // seekToEnd is lazy: resolve every position now, before anything fires
        partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
    }

    private void write(KafkaProducer<String, byte[]> producer, List<ScheduleDefinition> definitions) {
        send(producer, definitions.stream()
                .map(d -> record(d.key(), Json.mapper().writeValueAsBytes(d))).toList());
    }

    /** Tombstones for every key; answers what it did, for the report. */
    private String delete(KafkaProducer<String, byte[]> producer, List<String> keys) {
        try {
            send(producer, keys.stream().map(k -> record(k, null)).toList());
            return "deleted the " + keys.size() + " schedules (tombstones on " + topics.schedules() + ")";
        } catch (RuntimeException e) {
            return "could not delete the schedules of this run: " + e.getMessage();
        }
    }

    private ProducerRecord<String, byte[]> record(String key, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        if (value != null) {
            headers.add(Headers.SCHEMA, Document.SCHEDULE_DEFINITION.header().getBytes(StandardCharsets.UTF_8));
        }
        return new ProducerRecord<>(topics.schedules(), null, key, value, headers);
    }

    /** Sends every record and waits for all acknowledgements. */
    private static void send(KafkaProducer<String, byte[]> producer, List<ProducerRecord<String, byte[]>> records) {
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> first = new AtomicReference<>();
        for (ProducerRecord<String, byte[]> record : records) {
            producer.send(record, (metadata, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    first.compareAndSet(null, e);
                }
            });
        }
        producer.flush();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + records.size() + " records to "
                    + records.getFirst().topic() + " were not written: " + first.get(), first.get());
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties config = new Properties();
        config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, "bench-schedules"));
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaProducer<String, byte[]> producer(String clientId) {
        Properties config = new Properties();
        config.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.CLIENT_ID_CONFIG, clientId));
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isString() ? node.asString() : null;
    }

    private static UUID uuid(JsonNode json, String field) {
        String text = text(json, field);
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Instant instant(JsonNode json, String field) {
        String text = text(json, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
