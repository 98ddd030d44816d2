package io.taskstream.worker.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.tracing.Tracing;
import io.taskstream.worker.heartbeat.Supervised;

/**
 * The worker's poll loop over the four {@code ready.*} topics: reads {@link TaskDispatch} records,
 * runs many at once in the worker's {@link Slots}, and commits a record's offset only after its
 * attempt's result is durable (at-least-once), never past a record that is unfinished.
 *
 * <h2>Threads and what each owns</h2>
 * <ul>
 *   <li><b>The poll thread</b> owns the Kafka consumer and the {@link OffsetTracker}: it polls,
 *       decodes, tracks, commits, pauses and resumes. Nothing else touches the consumer.</li>
 *   <li><b>The slots</b>: each attempt runs on a virtual thread of its own, at most {@code slots}
 *       at once; which waiting dispatch gets a free slot is decided by priority (with a minimum
 *       share for the less important ones) and ordering key (one at a time per key, in order) —
 *       see {@link Slots}.</li>
 *   <li>Finished attempts come back to the poll thread through a queue of completions; the poll
 *       thread marks them done and commits each partition's lowest unfinished offset
 *       (asynchronously while running; synchronously when it lets partitions go).</li>
 * </ul>
 * Because execution never blocks the poll thread, a handler may run for longer than
 * {@code max.poll.interval.ms}: the loop keeps polling, so the consumer stays in its group.
 *
 * <h2>Priorities</h2>
 * One consumer reads all four topics. A topic's partitions are paused while {@code prefetch} of its
 * dispatches are unfinished, so a deep backlog of {@code LOW} work never holds more than
 * {@code prefetch} records in memory, while the other topics are still fetched: a {@code CRITICAL}
 * dispatch is fetched as soon as it is written and takes the next free slot, ahead of every waiting
 * {@code LOW} one. While anything is unfinished the loop polls every {@value #BUSY_POLL_MS} ms, so
 * completions are committed and paused topics resumed promptly.
 *
 * <h2>Failure handling</h2>
 * <ul>
 *   <li>A record that does not decode (or has no value) is logged, counted in
 *       {@code taskstream.worker.dispatches.skipped{reason}}, and committed past: it never stops the loop.</li>
 *   <li>An attempt whose result could not be made durable (or that was abandoned) rewinds its
 *       partition to the lowest unfinished offset and reads on from there; dispatches of the
 *       partition already queued behind it are skipped, so they are not run twice.</li>
 *   <li>On revocation the loop stops queued work of the partitions, waits up to
 *       {@code shutdownTimeout} for running attempts, commits what is done and lets go; anything
 *       unfinished is delivered again to the partition's next owner.</li>
 *   <li>At shutdown (SIGTERM) the same, except that attempts still running after
 *       {@code shutdownTimeout} are interrupted and report themselves interrupted (DEFERRED, so the
 *       scheduler runs them again at once), see {@code finishRunning}.</li>
 * </ul>
 *
 * <p>Tests drive it step by step: {@link #open()}, {@link #pollOnce()}, {@link #close()}.
 */
public final class DispatchConsumer implements SmartLifecycle, Supervised {

    /**
     * @param pollTimeout      how long one poll waits for records while nothing is unfinished
     * @param prefetch         unfinished dispatches of one ready topic at which its partitions are paused
     * @param shutdownTimeout  how long revocation and shutdown wait for running attempts
     * @param slots            attempts run at once
     * @param minimumShare     per priority, the least fraction of starts it gets under contention
     */
    public record Settings(Duration pollTimeout, int prefetch, Duration shutdownTimeout, int slots,
                           Map<Priority, Double> minimumShare) {
        public Settings {
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            if (prefetch < 1) {
                throw new IllegalArgumentException("prefetch must be at least 1");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be at least 1");
            }
            minimumShare = Map.copyOf(minimumShare);
        }

        /** One slot, no minimum shares: dispatches run one at a time, most important first. */
        public Settings(Duration pollTimeout, int prefetch, Duration shutdownTimeout) {
            this(pollTimeout, prefetch, shutdownTimeout, 1, Map.of());
        }
    }

    /** How long a poll waits while dispatches are unfinished: bounds how late a completion is settled. */
    static final long BUSY_POLL_MS = 5;

    private static final Logger log = LoggerFactory.getLogger(DispatchConsumer.class);

    /** {@code worker_pool_size}: the execution slots of this worker. */
    public static final String POOL_SIZE = "worker.pool.size";
    /** {@code worker_slots_busy}: the slots running an attempt now. */
    public static final String SLOTS_BUSY = "worker.slots.busy";

    private final Supplier<? extends Consumer<String, byte[]>> consumers;
    private final List<String> topics;
    private final Function<TaskDispatch, ? extends CompletableFuture<?>> execution;
    private final Supplier<? extends ExecutorService> threads;
    private final Settings settings;
    private final Runnable stopping;
    private final Deserializer<TaskDispatch> decoder = JsonSerde.of(TaskDispatch.class).deserializer();
    private final MeterRegistry meters;

    // owned by the poll thread (or the test that steps the loop)
    private Consumer<String, byte[]> consumer;
    /** The consumer's own metrics ({@code kafka_consumer_*}), bound while it is open. */
    private KafkaClientMetrics consumerMetrics;
    // also read by health (pool()) and metrics, hence volatile
    private volatile ExecutorService executor;
    private volatile Slots<Work> slots;
    private final OffsetTracker tracker = new OffsetTracker();

    // shared with the attempts' threads and with the producer's callback threads
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** The current epoch of each assigned partition; queued work of an older epoch is skipped. */
    private final Map<TopicPartition, Long> epochs = new ConcurrentHashMap<>();
    private final Set<Work> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong epochSequence = new AtomicLong();
    private final AtomicInteger unfinished = new AtomicInteger();

    private volatile boolean running;
    private volatile Thread pollThread;
    private final AtomicLong polls = new AtomicLong();

    /**
     * @param consumers  creates the consumer (String keys, byte[] values, auto-commit off)
     * @param topics     the ready topics to subscribe to
     * @param execution  runs one attempt on the calling thread; its future completes when the
     *                   result is durable
     * @param threads    creates the executor that gives each attempt its thread
     */
    public DispatchConsumer(Supplier<? extends Consumer<String, byte[]>> consumers, List<String> topics,
                            Function<TaskDispatch, ? extends CompletableFuture<?>> execution,
                            Supplier<? extends ExecutorService> threads, Settings settings, MeterRegistry meters) {
        this(consumers, topics, execution, threads, settings, meters, () -> { });
    }

    /**
     * @param stopping told once, at a graceful stop, before the attempts still running are
     *                 interrupted (the worker's {@code TaskExecutor::stopping})
     */
    public DispatchConsumer(Supplier<? extends Consumer<String, byte[]>> consumers, List<String> topics,
                            Function<TaskDispatch, ? extends CompletableFuture<?>> execution,
                            Supplier<? extends ExecutorService> threads, Settings settings, MeterRegistry meters,
                            Runnable stopping) {
        this.stopping = Objects.requireNonNull(stopping, "stopping");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.topics = List.copyOf(topics);
        this.execution = Objects.requireNonNull(execution, "execution");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.meters = Objects.requireNonNull(meters, "meters");
        meters.gauge("taskstream.worker.dispatches.unfinished", unfinished);
        meters.gauge(POOL_SIZE, settings, Settings::slots);
        meters.gauge(SLOTS_BUSY, this, c -> c.slots == null ? 0 : c.slots.busy());
    }

    /** A virtual thread per attempt. */
    public static ExecutorService virtualThreads() {
        return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("taskstream-task-", 0).factory());
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        open(); // on the caller's thread: a bad consumer configuration fails the start-up
        running = true;
        pollThread = Thread.ofPlatform().name("taskstream-worker-poll").start(this::loop);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            pollThread.join(settings.shutdownTimeout().multipliedBy(2).plusSeconds(10)); // see finishRunning
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Just before the default phase: the loop starts before, and stops after, the lifecycle beans
     * that report on it (the heartbeat publisher), so the first heartbeat already sees it running.
     */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 1;
    }

    // ---- the execution pool, for health -----------------------------------------------------

    /** The execution pool now: whether it takes attempts and how full it is (for health). */
    public Pool pool() {
        ExecutorService threads = executor;
        Slots<Work> current = slots;
        return new Pool(threads != null && !threads.isShutdown(), current == null ? 0 : current.busy(),
                current == null ? 0 : current.waiting(), settings.slots());
    }

    /**
     * The execution pool at one moment.
     *
     * @param accepting whether it starts attempts: it exists and is not shut down (it is shut down
     *                  when the loop stops or is restarted, and does not exist before the first start)
     * @param busy      attempts running
     * @param waiting   dispatches taken from Kafka, waiting for a slot
     * @param slots     attempts it runs at once
     */
    public record Pool(boolean accepting, int busy, int waiting, int slots) {

        /** Every slot busy: working at capacity, not broken. */
        public boolean saturated() {
            return busy >= slots;
        }
    }

    // ---- supervision (LoopSupervisor) --------------------------------------------------------

    @Override
    public String name() {
        return "dispatch-consumer";
    }

    @Override
    public boolean isAlive() {
        Thread thread = pollThread;
        return running && thread != null && thread.isAlive();
    }

    @Override
    public long progress() {
        return polls.get();
    }

    /** Ends the poll thread (woken, interrupted, joined) and starts a fresh loop with a new consumer. */
    @Override
    public synchronized void restart() {
        Thread old = pollThread;
        running = false;
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            try {
                current.wakeup();
            } catch (RuntimeException e) {
                log.debug("Could not wake the consumer up: {}", e.toString());
            }
        }
        if (old != null) {
            old.interrupt();
            try {
                old.join(settings.shutdownTimeout().plusSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the old poll loop to end", e);
            }
            if (old.isAlive()) {
                throw new IllegalStateException("the old poll loop has not ended; not starting a second one");
            }
        }
        log.warn("Restarting the worker's poll loop");
        start();
    }

    private void loop() {
        try {
            while (running) {
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    // stop() woke the consumer up
                } catch (RuntimeException e) {
                    log.error("Poll loop failed; carrying on after {}", settings.pollTimeout(), e);
                    backOff();
                }
            }
        } finally {
            close();
        }
    }

    private void backOff() {
        try {
            Thread.sleep(settings.pollTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    // ---- the steps of the loop -------------------------------------------------------------

    /** Creates the consumer and the slots, and subscribes. */
    void open() {
        consumer = consumers.get();
        // the tag Spring's Micrometer listener puts on the result producer's meters: the meters both clients
        // have (kafka_app_info_*) need the same tag keys, or Prometheus drops one client's
        consumerMetrics = new KafkaClientMetrics(consumer, Tags.of("spring.id", "taskstream-dispatch-consumer"));
        consumerMetrics.bindTo(meters);
        executor = threads.get();
        slots = new Slots<>(settings.slots(), settings.minimumShare(), executor, this::run, this::done);
        consumer.subscribe(topics, new Rebalance());
        log.info("Worker consuming {}", topics);
    }

    /** One turn of the loop: poll, hand the records on, then commit what is finished. */
    void pollOnce() {
        ConsumerRecords<String, byte[]> records = consumer.poll(tracker.unfinished() > 0
                ? Duration.ofMillis(Math.min(BUSY_POLL_MS, settings.pollTimeout().toMillis())) : settings.pollTimeout());
        polls.incrementAndGet();
        for (ConsumerRecord<String, byte[]> record : records) {
            accept(record);
        }
        settle();
    }

    /** Lets go of every partition (waiting for running attempts), commits, and closes. */
    void close() {
        try {
            List<TopicPartition> held = List.copyOf(consumer.assignment());
            finishRunning(held);
            release(held, true, Duration.ZERO);
        } catch (RuntimeException e) {
            log.warn("Could not commit before closing", e);
        }
        executor.shutdownNow(); // whatever still runs is abandoned: not committed, delivered again
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Could not close the consumer cleanly", e);
        }
        consumerMetrics.close(); // removes its meters: a consumer opened again binds its own
        running = false;
        log.info("Worker stopped consuming");
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        Long epoch = epochs.get(partition);
        if (epoch == null) {
            return; // not ours (any more)
        }
        tracker.track(partition, record.offset());
        TaskDispatch dispatch = decode(record);
        if (dispatch == null) {
            tracker.complete(partition, record.offset());
            return;
        }
        Work work = new Work(partition, record.offset(), epoch, dispatch, Tracing.extract(record.headers()),
                new CompletableFuture<>());
        inFlight.add(work);
        // refused when shutting down: it stays unfinished, so it is never committed
        slots.submit(work, dispatch.priority(), dispatch.dispatchKey());
    }

    private TaskDispatch decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            skip(record, "empty", "the record has no value");
            return null;
        }
        try {
            return decoder.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            skip(record, "unreadable", e.getCause() != null ? e.getMessage() + ": " + e.getCause().getMessage()
                    : e.getMessage());
            return null;
        }
    }

    private void skip(ConsumerRecord<String, byte[]> record, String reason, String detail) {
        log.error("Skipping {} dispatch at {}-{}@{} (key {}): {}", reason, record.topic(), record.partition(),
                record.offset(), record.key(), detail);
        Counter.builder("taskstream.worker.dispatches.skipped")
                .description("Dispatches on the ready topics that were not run, by reason")
                .tag("reason", reason)
                .register(meters).increment();
    }

    /** On the attempt's own thread: runs it unless its partition moved on meanwhile. */
    private void run(Work work) {
        if (!Objects.equals(epochs.get(work.partition()), work.epoch())) {
            done(work); // revoked or rewound: another pass (or owner) reads it again
            return;
        }
        CompletableFuture<?> reported;
        try (Scope ignored = work.trace().makeCurrent()) { // the attempt continues the dispatch's trace
            reported = execution.apply(work.dispatch());
        } catch (RuntimeException e) {
            reported = CompletableFuture.failedFuture(e);
        }
        reported.whenComplete((result, failure) -> {
            completions.add(new Completion(work, failure));
            done(work);
        });
    }

    private void done(Work work) {
        inFlight.remove(work);
        work.done().complete(null);
    }

    /** Takes in finished attempts, commits, and pauses or resumes each topic. */
    private void settle() {
        drainCompletions();
        commitAsync(tracker.committable());
        Map<String, Integer> byTopic = tracker.unfinishedByTopic();
        List<TopicPartition> full = new ArrayList<>();
        List<TopicPartition> open = new ArrayList<>();
        for (TopicPartition tp : consumer.assignment()) {
            (byTopic.getOrDefault(tp.topic(), 0) >= settings.prefetch() ? full : open).add(tp);
        }
        consumer.pause(full);
        Set<TopicPartition> paused = consumer.paused();
        consumer.resume(open.stream().filter(paused::contains).toList());
        unfinished.set(tracker.unfinished());
    }

    private void drainCompletions() {
        for (Completion c = completions.poll(); c != null; c = completions.poll()) {
            Work work = c.work();
            if (c.failure() == null) {
                tracker.complete(work.partition(), work.offset());
            } else if (Objects.equals(epochs.get(work.partition()), work.epoch())) {
                long from = tracker.rewind(work.partition());
                epochs.put(work.partition(), epochSequence.incrementAndGet());
                consumer.seek(work.partition(), from);
                log.warn("Attempt for dispatch {}-{}@{} (task {}) did not finish: {}; reading the partition"
                                + " again from offset {}", work.partition().topic(), work.partition().partition(),
                        work.offset(), work.dispatch().taskId(), c.failure().toString(), from);
            }
            // a failure of an older epoch: its partition is already being read again from before it
        }
    }

    /** Commits without waiting; a commit that fails is sent again at the next turn. */
    private void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        tracker.requested(offsets);
        consumer.commitAsync(offsets, (committed, failure) -> { // called back on the poll thread
            if (failure == null) {
                tracker.markCommitted(committed);
            } else {
                tracker.commitFailed(offsets);
                log.debug("Could not commit {}: {}", offsets, failure.toString());
            }
        });
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        for (int tries = 1; ; tries++) {
            try {
                consumer.commitSync(offsets);
                tracker.markCommitted(offsets);
                return;
            } catch (WakeupException e) {
                if (tries > 1) {
                    throw e;
                }
                // stop() woke the consumer while it committed: the wake-up is used up, commit again
            } catch (KafkaException e) {
                // e.g. a rebalance is in progress: the next turn (or the next owner) commits
                log.warn("Could not commit {}: {}", offsets, e.toString());
                return;
            }
        }
    }

    /**
     * A graceful stop: dispatches not started yet are dropped (not committed: delivered again to the
     * partitions' next owner); running attempts get {@code shutdownTimeout} to finish; those still
     * running then are told the worker is stopping and interrupted, so they report themselves
     * interrupted — {@code DEFERRED}, run again at once by the scheduler — and release their leases
     * (a handler that ignores the interrupt is abandoned instead: its dispatch is delivered again).
     */
    private void finishRunning(Collection<TopicPartition> held) {
        slots.removeWaiting(work -> true).forEach(this::done);
        if (awaitInFlight(held, settings.shutdownTimeout())) {
            return;
        }
        log.warn("Interrupting {} attempts still running after {}: they report themselves interrupted and run"
                + " again at once", inFlight.size(), settings.shutdownTimeout());
        stopping.run();
        executor.shutdownNow();
        awaitInFlight(held, settings.shutdownTimeout());
    }

    /** The partitions stop being ours: stop their queued work, finish what runs, commit, forget. */
    private void release(Collection<TopicPartition> revoked, boolean commit) {
        release(revoked, commit, settings.shutdownTimeout());
    }

    private void release(Collection<TopicPartition> revoked, boolean commit, Duration wait) {
        // only partitions still held: closing the consumer revokes again what close() already released
        List<TopicPartition> partitions = revoked.stream().filter(epochs::containsKey).toList();
        if (partitions.isEmpty()) {
            return;
        }
        partitions.forEach(epochs::remove);
        slots.removeWaiting(work -> partitions.contains(work.partition())).forEach(this::done);
        if (commit) {
            if (!awaitInFlight(partitions, wait)) {
                log.warn("Attempts still running after {}; they will be delivered again to the next owner",
                        settings.shutdownTimeout());
            }
            drainCompletions();
            commitSync(tracker.uncommitted(partitions));
        }
        tracker.forget(partitions);
        unfinished.set(tracker.unfinished());
    }

    /** Waits up to {@code timeout} for the running attempts of {@code partitions}; answers whether all ended. */
    private boolean awaitInFlight(Collection<TopicPartition> partitions, Duration timeout) {
        CompletableFuture<?>[] waits = inFlight.stream()
                .filter(w -> partitions.contains(w.partition()))
                .map(Work::done)
                .toArray(CompletableFuture[]::new);
        if (waits.length == 0) {
            return true;
        }
        try {
            CompletableFuture.allOf(waits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a completion future never fails", e);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> epochs.put(tp, epochSequence.incrementAndGet()));
            if (!partitions.isEmpty()) {
                log.info("Assigned {}", partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }
    }

    /** A dispatch handed to the slots, the epoch of its partition at that time and the record's trace context. */
    private record Work(TopicPartition partition, long offset, long epoch, TaskDispatch dispatch, Context trace,
                        CompletableFuture<Void> done) {
    }

    /** An attempt came back; {@code failure} is null when its result is durable. */
    private record Completion(Work work, Throwable failure) {
    }
}
