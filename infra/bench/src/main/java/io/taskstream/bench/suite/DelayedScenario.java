package io.taskstream.bench.suite;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.taskstream.bench.report.BenchReport.Delayed;
import io.taskstream.bench.report.BenchReport.Percentiles;
import io.taskstream.schemas.Json;
import tools.jackson.databind.JsonNode;

/**
 * {@code delayed}: {@code pending} delayed tasks waiting at once, then a burst of them coming due.
 * First {@code pending − burst} no-op tasks due in a day go straight to Kafka; once the scheduler has
 * admitted them and the projection has them, the burst's tasks follow, due from a few seconds later at
 * {@code burstRate} per second. The scheduler JVM's heap after a GC is read before anything and again when
 * all of them wait (the timers live in RocksDB, so it should not grow with them). Fire lateness is each
 * burst task's first {@code QUEUED} event ({@code occurredAt}, read from {@code events}) minus its
 * {@code runAt}. The far tasks stay pending (the run's devstack is thrown away; a deployment named by
 * {@code TASKSTREAM_API_URL} keeps them: they run a day later).
 */
final class DelayedScenario {

    static final String NAME = "delayed";

    private DelayedScenario() {
    }

    static Delayed run(Run run) throws Exception {
        Sizes sizes = run.sizes;
        String far = run.tenant("far");
        String burst = run.tenant("burst");
        long farTasks = sizes.pending() - sizes.burst();
        run.print("%s: %d tasks pending at once, %d of them coming due at %.0f/s", NAME, sizes.pending(),
                sizes.burst(), sizes.burstRate());
        double heapBefore = heapAfterGc(run);
        long before = run.producer.acknowledged();
        Instant dueFar = run.clock.instant().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS);
        Instant producing = run.clock.instant();
        for (long i = 0; i < farTasks; i++) {
            // a task due later is two records on its way (submission, SCHEDULED event); a pipeline that takes
            // nothing for a minute is reported, not waited for forever
            if (i % 1000 == 0 && !run.backlog.acquire(sizes.backlog() * 5, 2000,
                    System.nanoTime() + Duration.ofMinutes(1).toNanos())) {
                run.note("%s: the pipeline took no more far tasks for a minute; %d of %d written", NAME, i, farTasks);
                break;
            }
            run.producer.send(far, "noop", "{}", dueFar);
        }
        run.producer.flush();
        long farAcknowledged = run.producer.acknowledged() - before;
        Instant written = run.clock.instant();
        awaitAdmitted(run, far, farAcknowledged);
        Instant admitted = run.clock.instant();
        run.print("  %d far tasks written in %.1f s, admitted and projected %.1f s later", farAcknowledged,
                seconds(producing, written), seconds(written, admitted));

        Map<String, Long> runAt = new ConcurrentHashMap<>();
        Histogram lateness = new Histogram(3_600_000_000L, 3);
        try (EventWatch watch = new EventWatch(run, runAt, lateness)) {
            // the burst must be admitted before it comes due: lead it by 1.5 times what the far tasks took per task
            double admittedPerSec = farAcknowledged / Math.max(0.5, seconds(producing, admitted));
            Duration lead = Duration.ofMillis(2000 + (long) (1500 * sizes.burst() / Math.max(1000, admittedPerSec)));
            Instant firstDue = run.clock.instant().plus(lead).truncatedTo(ChronoUnit.MILLIS);
            long burstBefore = run.producer.acknowledged();
            for (long i = 0; i < sizes.burst(); i++) {
                Instant due = firstDue.plusNanos((long) (i * 1e9 / sizes.burstRate()));
                UUID id = run.producer.send(burst, "noop", "{}", due);
                runAt.put(id.toString(), due.toEpochMilli());
            }
            run.producer.flush();
            long burstAcknowledged = run.producer.acknowledged() - burstBefore;
            awaitAdmitted(run, burst, burstAcknowledged);
            Instant ready = run.clock.instant();
            double heap = heapAfterGc(run);
            if (ready.isAfter(firstDue)) {
                run.note("%s: the burst's first tasks came due %.1f s before all of it was admitted", NAME,
                        seconds(firstDue, ready));
            }
            run.print("  all %d pending (%d of them due from %s on); scheduler heap after GC %.0f MB (before: %.0f MB)",
                    farAcknowledged + burstAcknowledged, burstAcknowledged, firstDue, heap, heapBefore);
            run.ledger.awaitTerminal(burst, burstAcknowledged, Duration.ofSeconds(120));
            watch.awaitAll(burstAcknowledged, Duration.ofSeconds(30));
            watch.close(); // its thread is done with the histogram before it is read
            Instant lastDue = firstDue.plusNanos((long) (sizes.burst() * 1e9 / sizes.burstRate()));
            run.window(NAME, firstDue, lastDue);
            Ledger.StartLatency start = run.ledger.startLatency(burst, producing);
            run.account(far, farAcknowledged, 0, farAcknowledged);
            run.account(burst, burstAcknowledged, burstAcknowledged, 0);
            run.print("  fire lateness (QUEUED - runAt): %s", LatencyScenario.describe(lateness));
            run.print("  start latency (handler start - runAt): %s", LatencyScenario.describe(start.micros()));
            return new Delayed(farAcknowledged + burstAcknowledged, heapBefore, heap, burstAcknowledged,
                    sizes.burstRate(), Percentiles.ofMicros(lateness), Percentiles.ofMicros(start.micros()));
        }
    }

    /** Waits until the scheduler has read every submission and the projection knows all of the tenant's tasks. */
    private static void awaitAdmitted(Run run, String tenant, long tasks) throws Exception {
        long known = run.ledger.awaitKnown(tenant, tasks, Duration.ofMinutes(5));
        if (known < tasks) {
            run.note("%s: only %d of %d tasks of %s reached the projection within 5 min", NAME, known, tasks, tenant);
        }
    }

    /** The devstack JVM's heap after a full GC, in MB; -1 when the run did not start the devstack. */
    private static double heapAfterGc(Run run) {
        return run.deployment.devstack().map(d -> run.sampler.heapAfterGcMb(d.process().pid())).orElse(-1.0);
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    /**
     * Reads {@code events} from its end (as of its creation) on a thread of its own and records, for each
     * task of {@code runAt}, its first {@code QUEUED} event's lateness. Only the records keyed by one of those
     * tasks are parsed.
     */
    private static final class EventWatch implements AutoCloseable {

        private final KafkaConsumer<String, byte[]> consumer;
        private final Map<String, Long> runAt;
        private final Histogram lateness;
        private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        EventWatch(Run run, Map<String, Long> runAt, Histogram lateness) {
            this.runAt = runAt;
            this.lateness = lateness;
            this.consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.deployment.endpoints().kafka(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000),
                    new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(run.topics.events()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // pin "the end" now, before the burst is written
            this.thread = Thread.ofPlatform().name("bench-events").start(this::loop);
        }

        private void loop() {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    Long due = record.key() == null ? null : runAt.get(record.key());
                    if (due == null || seen.containsKey(record.key()) || record.value() == null
                            || !new String(record.value(), StandardCharsets.UTF_8).contains("\"QUEUED\"")) {
                        continue;
                    }
                    JsonNode event = Json.mapper().readTree(record.value());
                    if ("QUEUED".equals(event.path("status").asString(""))
                            && seen.putIfAbsent(record.key(), true) == null) {
                        long late = Instant.parse(event.get("occurredAt").asString()).toEpochMilli() * 1000 - due * 1000;
                        lateness.recordValue(Math.min(Math.max(0, late), lateness.getHighestTrackableValue()));
                    }
                }
            }
        }

        void awaitAll(long tasks, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < tasks && System.nanoTime() < deadline) {
                Thread.sleep(100); // another thread reads the events
            }
        }

        /** Stops reading; idempotent. */
        @Override
        public void close() throws InterruptedException {
            if (!running.getAndSet(false)) {
                return;
            }
            thread.join(5_000);
            consumer.close();
        }
    }
}
