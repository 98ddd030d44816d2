package io.taskstream.worker.consumer;

import static io.taskstream.worker.support.Dispatches.T0;
import static io.taskstream.worker.support.Dispatches.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;
import io.taskstream.schemas.Topics;
import io.taskstream.worker.cancellation.CancellationCheck;
import io.taskstream.worker.execution.TaskExecutor;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.samples.LogHandler;
import io.taskstream.worker.support.InMemoryCancellationFlags;
import io.taskstream.worker.support.ManualLane;
import io.taskstream.embedded.MutableClock;
import io.taskstream.worker.support.RecordingReporter;

class DispatchConsumerTest {

    static final String TOPIC = Topics.withDefaultPrefix().ready(Priority.NORMAL);
    static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    /** Remembers the last commit, which stays readable after the consumer is closed. */
    static final class RecordingConsumer extends MockConsumer<String, byte[]> {
        volatile Map<TopicPartition, OffsetAndMetadata> lastCommit = Map.of();

        RecordingConsumer() {
            super("earliest");
        }

        volatile ConsumerRebalanceListener listener;

        @Override
        public synchronized void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
            super.subscribe(topics, listener);
            this.listener = listener;
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            lastCommit = Map.copyOf(offsets);
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            lastCommit = Map.copyOf(offsets);
        }

        /** Like KafkaConsumer: leaving the group revokes what is still assigned. */
        @Override
        public synchronized void close(Duration timeout) {
            listener.onPartitionsRevoked(assignment());
            super.close(timeout);
        }
    }

    final RecordingConsumer kafka = new RecordingConsumer();
    final ManualLane lane = new ManualLane();
    final RecordingReporter reporter = new RecordingReporter().holdAcknowledgements();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TaskExecutor executor = executor(reporter);

    TaskExecutor executor(RecordingReporter reporter) {
        MutableClock clock = new MutableClock(T0);
        return new TaskExecutor(HandlerRegistry.of(List.of(new LogHandler())), reporter,
                new CancellationCheck(new InMemoryCancellationFlags(), clock, Duration.ofMillis(500), meters), clock,
                meters, new TaskExecutor.Settings("worker-1", 65_536));
    }

    DispatchConsumer loop(int prefetch, Duration shutdownTimeout, Supplier<ExecutorService> lanes) {
        return new DispatchConsumer(() -> kafka, List.of(TOPIC), executor::execute, lanes,
                new DispatchConsumer.Settings(Duration.ofMillis(10), prefetch, shutdownTimeout), meters);
    }

    /** How long revocation and close wait when the test means them to give up. */
    static final Duration GIVE_UP = Duration.ofMillis(200);
    /** A bound for waits the test means to end early (an acknowledgement arrives): never reached. */
    static final Duration GENEROUS = Duration.ofSeconds(30);

    /** A loop stepped by hand, owning partition 0 of {@code ready.normal}. */
    DispatchConsumer openLoop(int prefetch) {
        return openLoop(prefetch, GIVE_UP);
    }

    DispatchConsumer openLoop(int prefetch, Duration shutdownTimeout) {
        DispatchConsumer loop = loop(prefetch, shutdownTimeout, () -> lane);
        kafka.updateBeginningOffsets(Map.of(P0, 0L));
        loop.open();
        kafka.rebalance(List.of(P0));
        return loop;
    }

    static byte[] bytes(TaskDispatch dispatch) {
        return JsonSerde.of(TaskDispatch.class).serializer().serialize(TOPIC, dispatch);
    }

    void publish(long offset, byte[] value) {
        kafka.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, "key-" + offset, value));
    }

    TaskDispatch publish(long offset) {
        TaskDispatch dispatch = dispatch("log", Map.of("n", offset));
        publish(offset, bytes(dispatch));
        return dispatch;
    }

    Long committed() {
        OffsetAndMetadata offset = kafka.lastCommit.get(P0);
        return offset == null ? null : offset.offset();
    }

    void acknowledge(int index) {
        reporter.pendingResults.get(index).complete(null);
    }

    @Test
    void aDispatchIsCommittedOnlyAfterItsResultIsAcknowledged() {
        DispatchConsumer loop = openLoop(50);
        TaskDispatch dispatch = publish(0);

        loop.pollOnce();
        lane.runAll();
        loop.pollOnce();

        assertThat(reporter.results).singleElement().satisfies(result -> {
            assertThat(result.taskId()).isEqualTo(dispatch.taskId());
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.COMPLETED);
        });
        assertThat(committed()).as("result not acknowledged yet").isNull();

        acknowledge(0);
        loop.pollOnce();
        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void unreadableRecordsAreSkippedCountedAndCommittedPastWhileTheNextDispatchRuns() {
        DispatchConsumer loop = openLoop(50);
        publish(0, "{not json".getBytes(StandardCharsets.UTF_8));
        publish(1, null);
        publish(2, "{\"taskId\": \"not-a-uuid\"}".getBytes(StandardCharsets.UTF_8));
        TaskDispatch good = publish(3);

        loop.pollOnce();
        lane.runAll();
        acknowledge(0);
        loop.pollOnce();

        assertThat(reporter.results).extracting(AttemptResult::taskId).containsExactly(good.taskId());
        assertThat(committed()).isEqualTo(4);
        assertThat(meters.get("taskstream.worker.dispatches.skipped").tag("reason", "unreadable").counter().count())
                .isEqualTo(2);
        assertThat(meters.get("taskstream.worker.dispatches.skipped").tag("reason", "empty").counter().count())
                .isEqualTo(1);
    }

    @Test
    void resultsAcknowledgedOutOfOrderCommitOnlyUpToTheFirstUnacknowledged() {
        DispatchConsumer loop = openLoop(50);
        publish(0);
        publish(1);
        publish(2);
        loop.pollOnce();
        lane.runAll();

        acknowledge(2);
        acknowledge(1);
        loop.pollOnce();
        assertThat(committed()).isNull();

        acknowledge(0);
        loop.pollOnce();
        assertThat(committed()).isEqualTo(3);
    }

    @Test
    void aResultThatCannotBeReportedRewindsThePartitionAndTheDispatchRunsAgain() {
        DispatchConsumer loop = openLoop(50);
        TaskDispatch first = publish(0);
        TaskDispatch second = publish(1);
        loop.pollOnce();
        lane.runNext(); // the first runs; the second waits in the lane

        reporter.pendingResults.getFirst().completeExceptionally(new KafkaException("not acknowledged"));
        loop.pollOnce();
        lane.runAll();
        assertThat(reporter.results).as("the queued second dispatch is skipped, not run twice")
                .extracting(AttemptResult::taskId).containsExactly(first.taskId());

        // the broker delivers both again from offset 0
        publish(0, bytes(first));
        publish(1, bytes(second));
        loop.pollOnce();
        lane.runAll();
        acknowledge(1);
        acknowledge(2);
        loop.pollOnce();

        assertThat(reporter.results).extracting(AttemptResult::taskId)
                .containsExactly(first.taskId(), first.taskId(), second.taskId());
        assertThat(committed()).isEqualTo(2);
    }

    @Test
    void pollingPausesAtPrefetchUnfinishedDispatchesAndResumesWhenTheyFinish() {
        DispatchConsumer loop = openLoop(2);
        publish(0);
        publish(1);
        loop.pollOnce();
        assertThat(kafka.paused()).containsExactly(P0);
        assertThat(meters.get("taskstream.worker.dispatches.unfinished").gauge().value()).isEqualTo(2);

        lane.runAll();
        acknowledge(0);
        acknowledge(1);
        loop.pollOnce();
        assertThat(kafka.paused()).isEmpty();
        assertThat(committed()).isEqualTo(2);
    }

    @Test
    void aTopicAtPrefetchIsPausedAloneSoMoreImportantDispatchesAreStillFetchedAndRunFirst() {
        String low = Topics.withDefaultPrefix().ready(Priority.LOW);
        String critical = Topics.withDefaultPrefix().ready(Priority.CRITICAL);
        TopicPartition lowP0 = new TopicPartition(low, 0);
        TopicPartition criticalP0 = new TopicPartition(critical, 0);
        DispatchConsumer loop = new DispatchConsumer(() -> kafka, List.of(low, critical), executor::execute,
                () -> lane, new DispatchConsumer.Settings(Duration.ofMillis(10), 2, GIVE_UP, 1, Map.of()), meters);
        kafka.updateBeginningOffsets(Map.of(lowP0, 0L, criticalP0, 0L));
        loop.open();
        kafka.rebalance(List.of(lowP0, criticalP0));
        for (long offset = 0; offset < 3; offset++) {
            TaskDispatch dispatch = dispatch("log", Map.of("low", offset), Priority.LOW, null);
            kafka.addRecord(new ConsumerRecord<>(low, 0, offset, "low-" + offset, bytes(dispatch)));
        }
        loop.pollOnce();
        assertThat(kafka.paused()).containsExactly(lowP0);

        TaskDispatch urgent = dispatch("log", Map.of("urgent", true), Priority.CRITICAL, null);
        kafka.addRecord(new ConsumerRecord<>(critical, 0, 0, "urgent", bytes(urgent)));
        loop.pollOnce();
        assertThat(meters.get("worker.slots.busy").gauge().value()).as("the one slot, taken").isEqualTo(1);
        lane.runAll();

        assertThat(reporter.results).extracting(AttemptResult::taskId).as("one slot: the first LOW ran first")
                .hasSize(4).element(1).isEqualTo(urgent.taskId());
        assertThat(meters.get("worker.pool.size").gauge().value()).isEqualTo(1);
        assertThat(meters.get("worker.slots.busy").gauge().value()).isZero();
        for (int i = 0; i < 4; i++) {
            acknowledge(i);
        }
        loop.pollOnce();
        assertThat(kafka.paused()).isEmpty();
    }

    @Test
    void onRevocationAnAttemptStillBeingAcknowledgedIsAwaitedAndCommitted() {
        DispatchConsumer loop = openLoop(50, GENEROUS);
        publish(0);
        loop.pollOnce();
        lane.runAll();
        CompletableFuture.runAsync(() -> acknowledge(0), CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));

        kafka.rebalance(List.of()); // revokes P0; the listener waits for the acknowledgement

        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void queuedDispatchesOfARevokedPartitionAreNotRun() {
        DispatchConsumer loop = openLoop(50);
        publish(0);
        publish(1);
        loop.pollOnce();
        lane.runNext();
        acknowledge(0);

        kafka.rebalance(List.of()); // the second never started: gives up on it after 200 ms
        lane.runAll();

        assertThat(reporter.results).hasSize(1);
        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void closingCommitsWhatIsFinishedAndClosesTheConsumer() {
        DispatchConsumer loop = openLoop(50);
        publish(0);
        publish(1);
        loop.pollOnce();
        lane.runAll();
        acknowledge(0);

        loop.close();

        assertThat(committed()).isEqualTo(1);
        assertThat(kafka.closed()).isTrue();
        assertThat(lane.isShutdown()).isTrue();
    }

    @Test
    void thePoolTakesAttemptsFromOpenUntilCloseAndSaysHowFullItIs() {
        DispatchConsumer loop = loop(50, GIVE_UP, () -> lane);
        assertThat(loop.pool()).as("not opened yet").isEqualTo(new DispatchConsumer.Pool(false, 0, 0, 1));
        kafka.updateBeginningOffsets(Map.of(P0, 0L));
        loop.open();
        kafka.rebalance(List.of(P0));
        assertThat(loop.pool()).isEqualTo(new DispatchConsumer.Pool(true, 0, 0, 1));

        publish(0);
        publish(1);
        loop.pollOnce();
        assertThat(loop.pool()).as("one slot: one runs, one waits").isEqualTo(new DispatchConsumer.Pool(true, 1, 1, 1))
                .satisfies(pool -> assertThat(pool.saturated()).isTrue());

        loop.close();
        assertThat(loop.pool().accepting()).isFalse();
    }

    @Test
    void closingWaitsForUnfinishedAttemptsOnceEvenThoughTheConsumerRevokesAgainOnClose() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(DispatchConsumer.class);
        logger.addAppender(logs);
        logs.start();
        try {
            DispatchConsumer loop = openLoop(50);
            publish(0);
            loop.pollOnce(); // queued in the lane, never run: close() gives up on it after 200 ms

            loop.close();

            assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().startsWith("Attempts still running"))
                    .hasSize(1);
            assertThat(committed()).isNull();
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void startedItPollsOnItsOwnThreadSurvivesPollErrorsAndStopsCleanly() {
        RecordingReporter acknowledging = new RecordingReporter();
        TaskExecutor running = executor(acknowledging);
        DispatchConsumer loop = new DispatchConsumer(() -> kafka, List.of(TOPIC), running::execute,
                DispatchConsumer::virtualThreads,
                new DispatchConsumer.Settings(Duration.ofMillis(10), 50, Duration.ofSeconds(5)), meters);
        kafka.updateBeginningOffsets(Map.of(P0, 0L));
        kafka.schedulePollTask(() -> kafka.rebalance(List.of(P0)));
        kafka.schedulePollTask(() -> kafka.setPollException(new KafkaException("broker hiccup")));
        kafka.schedulePollTask(() -> publish(0));

        loop.start();
        loop.start(); // idempotent
        await().atMost(Duration.ofSeconds(30)).until(() -> committed() != null && committed() == 1);
        assertThat(loop.isRunning()).isTrue();
        loop.stop();
        loop.stop(); // idempotent

        assertThat(acknowledging.results).hasSize(1);
        assertThat(loop.isRunning()).isFalse();
        assertThat(kafka.closed()).isTrue();
    }

    @Test
    void aSupervisorCanRestartTheLoopWhichThenPollsWithAFreshConsumer() {
        List<RecordingConsumer> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        Supplier<RecordingConsumer> fresh = () -> {
            RecordingConsumer consumer = new RecordingConsumer();
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
            consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0)));
            made.add(consumer);
            return consumer;
        };
        DispatchConsumer loop = new DispatchConsumer(fresh, List.of(TOPIC), executor::execute,
                DispatchConsumer::virtualThreads, new DispatchConsumer.Settings(Duration.ofMillis(10), 50,
                Duration.ofSeconds(5)), meters);
        assertThat(loop.name()).isEqualTo("dispatch-consumer");
        assertThat(loop.getPhase()).as("starts before, stops after, what reports on it")
                .isLessThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE);
        assertThat(loop.isAlive()).as("not started").isFalse();

        loop.start();
        await().atMost(GENEROUS).until(() -> loop.progress() > 2);
        assertThat(loop.isAlive()).isTrue();

        loop.restart();
        long before = loop.progress();
        await().atMost(GENEROUS).until(() -> loop.progress() > before + 2);
        assertThat(made).hasSize(2);
        assertThat(made.getFirst().closed()).as("the old consumer was closed").isTrue();
        assertThat(loop.isAlive()).isTrue();

        loop.stop();
        assertThat(loop.isAlive()).isFalse();
        assertThat(made.getLast().closed()).isTrue();
    }

    @Test
    void atShutdownAnAttemptStillRunningAfterTheTimeoutIsInterruptedReportsItselfDeferredAndIsCommitted()
            throws Exception {
        RecordingReporter acknowledging = new RecordingReporter();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        MutableClock clock = new MutableClock(T0);
        io.taskstream.worker.handler.TaskHandler blocking = new io.taskstream.worker.handler.TaskHandler() {
            @Override
            public String type() {
                return "block";
            }

            @Override
            public io.taskstream.worker.handler.HandlerResult handle(io.taskstream.worker.handler.TaskContext context)
                    throws InterruptedException {
                started.countDown();
                new java.util.concurrent.CountDownLatch(1).await(); // until interrupted
                return io.taskstream.worker.handler.HandlerResult.completed();
            }
        };
        TaskExecutor running = new TaskExecutor(HandlerRegistry.of(List.of(blocking)), acknowledging,
                new CancellationCheck(new InMemoryCancellationFlags(), clock, Duration.ofMillis(500), meters), clock,
                meters, new TaskExecutor.Settings("worker-1", 65_536, List.of(), Duration.ofSeconds(5)));
        DispatchConsumer loop = new DispatchConsumer(() -> kafka, List.of(TOPIC), running::execute,
                DispatchConsumer::virtualThreads, new DispatchConsumer.Settings(Duration.ofMillis(10), 50, GIVE_UP),
                meters, running::stopping);
        kafka.updateBeginningOffsets(Map.of(P0, 0L));
        loop.open();
        kafka.rebalance(List.of(P0));
        TaskDispatch dispatch = dispatch("block", Map.of());
        publish(0, bytes(dispatch));
        loop.pollOnce();
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

        loop.close();

        assertThat(acknowledging.results).singleElement().satisfies(result -> {
            assertThat(result.taskId()).isEqualTo(dispatch.taskId());
            assertThat(result.outcome()).isEqualTo(AttemptOutcome.DEFERRED);
            assertThat(result.error().code()).isEqualTo(TaskExecutor.INTERRUPTED);
        });
        assertThat(committed()).as("reported, so committed: the scheduler runs it again").isEqualTo(1);
    }
}
