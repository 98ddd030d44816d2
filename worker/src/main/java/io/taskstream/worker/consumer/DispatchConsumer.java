package io.taskstream.worker.consumer;

import java.time.Duration;
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
import java.util.concurrent.RejectedExecutionException;
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
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.TaskDispatch;

/**
 * The worker's poll loop over the {@code ready.*} topics: reads {@link TaskDispatch} records, hands
 * them to the execution lane, and commits a record's offset only after its attempt's result is
 * durable (at-least-once).
 *
 * <h2>Threads and what each owns</h2>
 * <ul>
 *   <li><b>The poll thread</b> owns the Kafka consumer and the {@link OffsetTracker}: it polls,
 *       decodes, tracks, commits, pauses and resumes. Nothing else touches the consumer.</li>
 *   <li><b>The execution lane</b> (one virtual thread for now, so dispatches run one at a time in
 *       poll order) runs each attempt, blocking for as long as the handler runs.</li>
 *   <li>Finished attempts come back to the poll thread through a queue of completions; the poll
 *       thread marks them done and commits each partition's lowest unfinished offset.</li>
 * </ul>
 * Because execution never blocks the poll thread, a handler may run for longer than
 * {@code max.poll.interval.ms}: the loop keeps polling, with every partition paused while
 * {@code prefetch} dispatches are unfinished, so the consumer stays in its group.
 *
 * <h2>Failure handling</h2>
 * <ul>
 *   <li>A record that does not decode (or has no value) is logged, counted in
 *       {@code taskstream.worker.dispatches.skipped{reason}}, and committed past: it never stops the loop.</li>
 *   <li>An attempt whose result could not be made durable (or that was abandoned) rewinds its
 *       partition to the lowest unfinished offset and reads on from there; dispatches of the
 *       partition already queued behind it are skipped, so they are not run twice.</li>
 *   <li>On revocation and at shutdown the loop stops queued work of the partitions, waits up to
 *       {@code shutdownTimeout} for running attempts, commits what is done and lets go; anything
 *       unfinished is delivered again to the partition's next owner.</li>
 * </ul>
 *
 * <h2>Growing it (issue #4)</h2>
 * Priority-aware polling replaces the single subscription; the lane becomes virtual threads per
 * dispatch with key-level ordering; the {@link OffsetTracker} already commits correctly when
 * records finish out of order.
 *
 * <p>Tests drive it step by step: {@link #open()}, {@link #pollOnce()}, {@link #close()}.
 */
public final class DispatchConsumer implements SmartLifecycle {

    /**
     * @param pollTimeout      how long one poll waits for records (also bounds how late a commit is)
     * @param prefetch         unfinished dispatches at which every partition is paused
     * @param shutdownTimeout  how long revocation and shutdown wait for running attempts
     */
    public record Settings(Duration pollTimeout, int prefetch, Duration shutdownTimeout) {
        public Settings {
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
            if (prefetch < 1) {
                throw new IllegalArgumentException("prefetch must be at least 1");
            }
        }
    }

    private static final Logger log = LoggerFactory.getLogger(DispatchConsumer.class);

    private final Supplier<? extends Consumer<String, byte[]>> consumers;
    private final List<String> topics;
    private final Function<TaskDispatch, ? extends CompletableFuture<?>> execution;
    private final Supplier<? extends ExecutorService> lanes;
    private final Settings settings;
    private final Deserializer<TaskDispatch> decoder = JsonSerde.of(TaskDispatch.class).deserializer();
    private final MeterRegistry meters;

    // owned by the poll thread (or the test that steps the loop)
    private Consumer<String, byte[]> consumer;
    private ExecutorService lane;
    private final OffsetTracker tracker = new OffsetTracker();

    // shared with the lane and with the producer's callback threads
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    /** The current epoch of each assigned partition; queued work of an older epoch is skipped. */
    private final Map<TopicPartition, Long> epochs = new ConcurrentHashMap<>();
    private final Set<Work> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong epochSequence = new AtomicLong();
    private final AtomicInteger unfinished = new AtomicInteger();

    private volatile boolean running;
    private Thread pollThread;

    /**
     * @param consumers  creates the consumer (String keys, byte[] values, auto-commit off)
     * @param topics     the ready topics to subscribe to
     * @param execution  runs one attempt on the calling thread; its future completes when the
     *                   result is durable
     * @param lanes      creates the executor that runs attempts
     */
    public DispatchConsumer(Supplier<? extends Consumer<String, byte[]>> consumers, List<String> topics,
                            Function<TaskDispatch, ? extends CompletableFuture<?>> execution,
                            Supplier<? extends ExecutorService> lanes, Settings settings, MeterRegistry meters) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.topics = List.copyOf(topics);
        this.execution = Objects.requireNonNull(execution, "execution");
        this.lanes = Objects.requireNonNull(lanes, "lanes");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.meters = Objects.requireNonNull(meters, "meters");
        meters.gauge("taskstream.worker.dispatches.unfinished", unfinished);
    }

    /** One virtual thread: dispatches run one at a time, in the order they were polled. */
    public static ExecutorService sequentialLane() {
        return Executors.newSingleThreadExecutor(Thread.ofVirtual().name("taskstream-task-", 0).factory());
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
            pollThread.join(settings.shutdownTimeout().plusSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
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

    /** Creates the consumer and the lane, and subscribes. */
    void open() {
        consumer = consumers.get();
        lane = lanes.get();
        consumer.subscribe(topics, new Rebalance());
        log.info("Worker consuming {}", topics);
    }

    /** One turn of the loop: poll, hand the records on, then commit what is finished. */
    void pollOnce() {
        ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
        for (ConsumerRecord<String, byte[]> record : records) {
            accept(record);
        }
        settle();
    }

    /** Lets go of every partition (waiting for running attempts), commits, and closes. */
    void close() {
        try {
            release(consumer.assignment(), true);
        } catch (RuntimeException e) {
            log.warn("Could not commit before closing", e);
        }
        lane.shutdownNow(); // interrupts an attempt that outlived shutdownTimeout: abandoned, delivered again
        try {
            consumer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Could not close the consumer cleanly", e);
        }
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
        Work work = new Work(partition, record.offset(), epoch, dispatch, new CompletableFuture<>());
        inFlight.add(work);
        try {
            lane.execute(() -> run(work));
        } catch (RejectedExecutionException e) {
            done(work); // shutting down: stays unfinished, so it is never committed
        }
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
                .description("Records on the ready topics that were not dispatches and were skipped")
                .tag("reason", reason)
                .register(meters).increment();
    }

    /** On the lane: runs the attempt unless its partition moved on meanwhile. */
    private void run(Work work) {
        if (!Objects.equals(epochs.get(work.partition()), work.epoch())) {
            done(work); // revoked or rewound: another pass (or owner) reads it again
            return;
        }
        CompletableFuture<?> reported;
        try {
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

    /** Takes in finished attempts, commits, and pauses or resumes polling. */
    private void settle() {
        drainCompletions();
        commit(tracker.committable());
        if (tracker.unfinished() >= settings.prefetch()) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
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

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
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

    /** The partitions stop being ours: stop their queued work, finish what runs, commit, forget. */
    private void release(Collection<TopicPartition> revoked, boolean commit) {
        // only partitions still held: closing the consumer revokes again what close() already released
        List<TopicPartition> partitions = revoked.stream().filter(epochs::containsKey).toList();
        if (partitions.isEmpty()) {
            return;
        }
        partitions.forEach(epochs::remove);
        if (commit) {
            awaitInFlight(partitions);
            drainCompletions();
            commit(tracker.committable(partitions));
        }
        tracker.forget(partitions);
        unfinished.set(tracker.unfinished());
    }

    private void awaitInFlight(Collection<TopicPartition> partitions) {
        CompletableFuture<?>[] waits = inFlight.stream()
                .filter(w -> partitions.contains(w.partition()))
                .map(Work::done)
                .toArray(CompletableFuture[]::new);
        if (waits.length == 0) {
            return;
        }
        try {
            CompletableFuture.allOf(waits).get(settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Attempts still running after {}; they will be delivered again to the next owner",
                    settings.shutdownTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    /** A dispatch handed to the lane, and the epoch of its partition at that time. */
    private record Work(TopicPartition partition, long offset, long epoch, TaskDispatch dispatch,
                        CompletableFuture<Void> done) {
    }

    /** An attempt came back; {@code failure} is null when its result is durable. */
    private record Completion(Work work, Throwable failure) {
    }
}
