package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.RedisConnectionFailureException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

class HeartbeatPublisherTest {

    static final Duration INTERVAL = Duration.ofSeconds(10);
    static final WorkerHeartbeat.Identity IDENTITY = new WorkerHeartbeat.Identity("w-1", "host-a",
            "taskstream-workers", "1.2.3", List.of(Priority.values()));

    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final InMemoryHeartbeatStore store = new InMemoryHeartbeatStore();
    final AtomicInteger busy = new AtomicInteger();
    final AtomicBoolean consumerRunning = new AtomicBoolean(true);
    final AtomicLong restarts = new AtomicLong();
    final HeartbeatProperties properties = new HeartbeatProperties(INTERVAL, null, null, Duration.ofMinutes(1), null,
            null);
    final HeartbeatPublisher publisher = new HeartbeatPublisher(store, IDENTITY, properties, meters,
            consumerRunning::get, restarts::get, clock);

    final Logger logger = (Logger) LoggerFactory.getLogger(HeartbeatPublisher.class);
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void setUp() {
        meters.gauge(WorkerMeters.SLOTS, 8);
        meters.gauge(WorkerMeters.SLOTS_BUSY, busy);
        logs.start();
        logger.addAppender(logs);
        logger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void tearDown() {
        publisher.stop();
        logger.detachAppender(logs);
        logger.setLevel(null);
    }

    void finished(String type, String outcome, int n) {
        meters.counter(WorkerMeters.TASKS, "type", type, "outcome", outcome).increment(n);
    }

    void abandoned(int n) {
        meters.counter(WorkerMeters.ABANDONED, "type", "sleep").increment(n);
    }

    double failures() {
        return meters.get(HeartbeatPublisher.FAILURES_METRIC).counter().count();
    }

    List<String> messages(Level level) {
        return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aHeartbeatSaysWhoTheWorkerIsAndHowBusyItIs() {
        busy.set(3);
        clock.advance(Duration.ofSeconds(4));

        WorkerHeartbeat heartbeat = publisher.beat();

        assertThat(heartbeat).isEqualTo(new WorkerHeartbeat(new WorkerHeartbeat.Identity("w-1", "host-a",
                "taskstream-workers", "1.2.3",
                List.of(Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)),
                T0, T0.plusSeconds(4), INTERVAL, 3, 8, true, 0, 0, 0, 0, 0, 0));
        assertThat(store.latest).containsEntry("w-1", heartbeat);
        assertThat(publisher.lastWrittenAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(publisher.isFailing()).isFalse();
    }

    @Test
    void attemptsAreCountedPerIntervalByOutcomeOverEveryTaskType() {
        finished("log", "completed", 5);
        finished("email.send", "completed", 2);
        finished("fail", "failed", 3);
        finished("sleep", "timed_out", 1);
        finished("sleep", "cancelled", 4);
        WorkerHeartbeat first = publisher.beat();

        finished("log", "completed", 1);
        finished("fail", "failed", 2);
        clock.advance(INTERVAL);
        WorkerHeartbeat second = publisher.beat();
        clock.advance(INTERVAL);
        WorkerHeartbeat third = publisher.beat();

        assertThat(List.of(first.completed(), first.failed(), first.timedOut(), first.cancelled()))
                .containsExactly(7L, 3L, 1L, 4L);
        assertThat(List.of(second.completed(), second.failed(), second.timedOut(), second.cancelled()))
                .containsExactly(1L, 2L, 0L, 0L);
        assertThat(List.of(third.completed(), third.failed(), third.timedOut(), third.cancelled()))
                .containsExactly(0L, 0L, 0L, 0L);
    }

    @Test
    void abandonedAttemptsCountAsStuckForTheStuckWindowAfterTheyWereSeen() {
        abandoned(2);
        assertThat(publisher.beat().stuck()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(30));
        abandoned(1);
        assertThat(publisher.beat().stuck()).isEqualTo(3);

        clock.advance(Duration.ofSeconds(29)); // the first two were seen 59 s ago: still within the minute
        assertThat(publisher.beat().stuck()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(1)); // 60 s: out of the window
        assertThat(publisher.beat().stuck()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        assertThat(publisher.beat().stuck()).isZero();
    }

    @Test
    void theConsumersStateAndTheSupervisorsRestartsAreReported() {
        consumerRunning.set(false);
        restarts.set(2);

        WorkerHeartbeat heartbeat = publisher.beat();

        assertThat(heartbeat.consumerRunning()).isFalse();
        assertThat(heartbeat.restarts()).isEqualTo(2);
        assertThat(heartbeat.toHash()).containsEntry("consumer", "stopped").containsEntry("restarts", "2");
    }

    @Test
    void absentSlotGaugesReadAsZero() {
        HeartbeatPublisher bare = new HeartbeatPublisher(store, IDENTITY, properties, new SimpleMeterRegistry(),
                () -> true, () -> 0, clock);

        WorkerHeartbeat heartbeat = bare.beat();

        assertThat(heartbeat.slotsTotal()).isZero();
        assertThat(heartbeat.slotsBusy()).isZero();
    }

    @Test
    void whileTheStoreFailsTheWorkerCarriesOnWarnsOnceAndCountsEveryFailedWrite() {
        store.failWith(new RedisConnectionFailureException("Unable to connect to Redis"));
        finished("log", "completed", 4);

        WorkerHeartbeat notWritten = publisher.beat();
        clock.advance(INTERVAL);
        publisher.beat();
        clock.advance(INTERVAL);
        publisher.beat();

        assertThat(notWritten.completed()).isEqualTo(4);
        assertThat(store.written).isEmpty();
        assertThat(failures()).isEqualTo(3);
        assertThat(publisher.isFailing()).isTrue();
        assertThat(publisher.lastWrittenAt()).isNull();
        assertThat(messages(Level.WARN)).singleElement().asString()
                .startsWith("Worker w-1 could not write its heartbeat; it carries on")
                .contains("Unable to connect to Redis");
        assertThat(messages(Level.DEBUG)).hasSize(2);

        store.recover();
        finished("log", "completed", 1);
        clock.advance(INTERVAL);
        WorkerHeartbeat written = publisher.beat();

        // the attempts of the heartbeats that were not written are not lost
        assertThat(written.completed()).isEqualTo(5);
        assertThat(publisher.isFailing()).isFalse();
        assertThat(publisher.lastWrittenAt()).isEqualTo(T0.plus(INTERVAL.multipliedBy(3)));
        assertThat(messages(Level.INFO)).contains("Worker w-1 writes heartbeats again");
    }

    @Test
    void startedItBeatsAtOnceAndStoppedItRemovesTheHeartbeat() {
        publisher.start();
        publisher.start(); // again: no second thread

        await().atMost(Duration.ofSeconds(10)).until(() -> store.latest.containsKey("w-1"));
        assertThat(publisher.isRunning()).isTrue();
        assertThat(store.latest.get("w-1").startedAt()).isEqualTo(T0);

        publisher.stop();

        assertThat(publisher.isRunning()).isFalse();
        assertThat(store.latest).doesNotContainKey("w-1");
        publisher.stop(); // again: nothing happens
    }

    @Test
    void aHeartbeatThatCannotBeRemovedAtShutdownIsCountedNotThrown() {
        publisher.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.latest.containsKey("w-1"));
        store.failWith(new RedisConnectionFailureException("Unable to connect to Redis"));

        publisher.stop();

        assertThat(failures()).isGreaterThanOrEqualTo(1);
        assertThat(messages(Level.WARN)).anySatisfy(message -> assertThat(message)
                .startsWith("Worker w-1 could not remove its heartbeat; it is listed UNHEALTHY until it expires"));
    }

    @Test
    void withoutAStoreNothingIsWrittenAndTheStartUpSaysSo() {
        HeartbeatPublisher off = new HeartbeatPublisher(null, IDENTITY, properties, meters, () -> true, () -> 0,
                clock);

        off.start();
        WorkerHeartbeat heartbeat = off.beat();
        off.stop();

        assertThat(off.isEnabled()).isFalse();
        assertThat(heartbeat.workerId()).isEqualTo("w-1");
        assertThat(off.lastWrittenAt()).isNull();
        assertThat(store.written).isEmpty();
        assertThat(messages(Level.INFO))
                .contains("Worker w-1 writes no heartbeats: this application has no Redis (StringRedisTemplate)");
    }
}
