package io.taskstream.worker.cancellation;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.worker.support.InMemoryCancellationFlags;

class CancellationCheckTest {

    static final Duration INTERVAL = Duration.ofMillis(500);

    final MutableClock clock = new MutableClock(T0);
    final InMemoryCancellationFlags flags = new InMemoryCancellationFlags();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final CancellationCheck check = new CancellationCheck(flags, clock, INTERVAL, meters);
    final UUID taskId = UUID.randomUUID();

    final Logger logger = (Logger) LoggerFactory.getLogger(CancellationCheck.class);
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    double failures() {
        return meters.get(CancellationCheck.FAILURES_METRIC).counter().count();
    }

    long logged(Level level) {
        return logs.list.stream().filter(e -> e.getLevel() == level).count();
    }

    @Test
    void aReadAnswersWhetherTheTasksFlagIsSet() {
        assertThat(check.isCancelled(taskId)).isFalse();
        flags.cancel(taskId);
        assertThat(check.isCancelled(taskId)).isTrue();
        assertThat(check.isCancelled(UUID.randomUUID())).isFalse();
        assertThat(flags.reads()).isEqualTo(3);
    }

    @Test
    void aRunningAttemptsViewReReadsAtMostOncePerInterval() {
        BooleanSupplier view = check.during(taskId, T0);
        flags.cancel(taskId);

        assertThat(view.getAsBoolean()).isFalse();
        clock.advance(INTERVAL.minusMillis(1));
        assertThat(view.getAsBoolean()).isFalse();
        assertThat(flags.reads()).as("nothing read inside the first interval").isZero();

        clock.advance(Duration.ofMillis(1));
        assertThat(view.getAsBoolean()).isTrue();
        assertThat(flags.reads()).isEqualTo(1);
    }

    @Test
    void aViewThatSawTheFlagStaysCancelledWithoutReadingAgain() {
        BooleanSupplier view = check.during(taskId, T0);
        flags.cancel(taskId);
        clock.advance(INTERVAL);
        assertThat(view.getAsBoolean()).isTrue();

        flags.failWith(new IllegalStateException("Redis gone")); // a later read would say "not cancelled"
        clock.advance(INTERVAL.multipliedBy(3));

        assertThat(view.getAsBoolean()).isTrue();
        assertThat(flags.reads()).isEqualTo(1);
    }

    @Test
    void aViewKeepsAnsweringTheLastReadBetweenReads() {
        BooleanSupplier view = check.during(taskId, T0);
        clock.advance(INTERVAL);
        assertThat(view.getAsBoolean()).isFalse();       // read 1 at T0 + 500 ms
        flags.cancel(taskId);
        clock.advance(INTERVAL.minusMillis(1));
        assertThat(view.getAsBoolean()).isFalse();       // cached
        clock.advance(Duration.ofMillis(1));
        assertThat(view.getAsBoolean()).isTrue();        // read 2 at T0 + 1 s

        assertThat(flags.reads()).isEqualTo(2);
    }

    @Test
    void aZeroIntervalReadsOnEveryCall() {
        CancellationCheck always = new CancellationCheck(flags, clock, Duration.ZERO, meters);
        BooleanSupplier view = always.during(taskId, T0);

        assertThat(view.getAsBoolean()).isFalse();
        flags.cancel(taskId);
        assertThat(view.getAsBoolean()).isTrue();
        assertThat(flags.reads()).isEqualTo(2);
    }

    @Test
    void aClockThatJumpsBackwardsDoesNotPostponeTheNextRead() {
        BooleanSupplier view = check.during(taskId, T0);
        flags.cancel(taskId);

        clock.set(T0.minus(Duration.ofHours(1)));

        assertThat(view.getAsBoolean()).isTrue();
    }

    @Test
    void anUnreadableFlagCountsAsNotCancelledIsCountedAndWarnedAboutOncePerOutage() {
        flags.cancel(taskId).failWith(new IllegalStateException("Unable to connect to Redis"));

        assertThat(check.isCancelled(taskId)).isFalse();
        assertThat(check.isCancelled(taskId)).isFalse();
        assertThat(check.isCancelled(taskId)).isFalse();

        assertThat(failures()).isEqualTo(3);
        assertThat(logged(Level.WARN)).isEqualTo(1);
        assertThat(logs.list.getFirst().getFormattedMessage())
                .contains(taskId.toString(), "not cancelled", "Unable to connect to Redis");

        flags.recover();
        assertThat(check.isCancelled(taskId)).as("readable again").isTrue();
        assertThat(logged(Level.INFO)).isEqualTo(1);

        flags.failWith(new IllegalStateException("Redis exception", new IllegalStateException("not connected")));
        assertThat(check.isCancelled(taskId)).isFalse();
        assertThat(logged(Level.WARN)).as("a new outage warns again").isEqualTo(2);
        assertThat(logs.list.getLast().getFormattedMessage()).as("names the cause")
                .contains("Redis exception", "not connected");
        assertThat(failures()).isEqualTo(4);
    }

    @Test
    void aViewWhoseReadFailsWaitsOneIntervalBeforeAskingAgain() {
        BooleanSupplier view = check.during(taskId, T0);
        flags.cancel(taskId).failWith(new IllegalStateException("Redis gone"));
        clock.advance(INTERVAL);

        assertThat(view.getAsBoolean()).isFalse();
        assertThat(view.getAsBoolean()).isFalse();
        assertThat(flags.reads()).as("a dead Redis is not asked on every call").isEqualTo(1);

        flags.recover();
        clock.advance(INTERVAL);
        assertThat(view.getAsBoolean()).isTrue();
    }

    @Test
    void aReadInterruptedByShutdownIsNotCountedAsARedisFailure() {
        flags.failWith(new IllegalStateException("command interrupted"));
        Thread.currentThread().interrupt();
        try {
            assertThat(check.isCancelled(taskId)).isFalse();
        } finally {
            assertThat(Thread.interrupted()).as("interrupt kept for the attempt to be abandoned").isTrue();
        }
        assertThat(failures()).isZero();
        assertThat(logged(Level.WARN)).isZero();
    }

    @Test
    void aNegativeIntervalIsRejected() {
        assertThatThrownBy(() -> new CancellationCheck(flags, clock, Duration.ofMillis(-1), meters))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
