package io.taskstream.worker.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.taskstream.worker.heartbeat.Ticker.Pacing;

class TickerTest {

    static final Duration QUICK = Duration.ofMillis(10);
    static final Duration LONG = Duration.ofMinutes(10);

    final AtomicInteger runs = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    Ticker ticker;

    @AfterEach
    void tearDown() {
        if (ticker != null) {
            ticker.stop();
        }
    }

    Ticker ticker(Pacing pacing, Duration initialDelay, Duration period, Duration stopTimeout, Runnable step) {
        ticker = new Ticker("test-ticker", pacing, initialDelay, period, stopTimeout, () -> {
            threads.add(Thread.currentThread().getName());
            runs.incrementAndGet();
            step.run();
        });
        return ticker;
    }

    @Test
    void startedItRunsTheStepEveryPeriodOnOneThreadOfItsOwn() {
        for (Pacing pacing : Pacing.values()) {
            Ticker ticking = ticker(pacing, QUICK, QUICK, LONG, () -> { });
            ticking.start();
            ticking.start(); // again: no second thread

            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
            assertThat(ticking.isRunning()).isTrue();
            assertThat(ticking.stop()).isTrue();
            assertThat(ticking.isRunning()).isFalse();
            assertThat(ticking.stop()).as("stopped again: nothing to stop").isFalse();
            assertThat(threads).containsExactly("test-ticker");
            runs.set(0);
        }
    }

    @Test
    void theFirstRunWaitsForTheInitialDelay() {
        ticker(Pacing.FIXED_RATE, LONG, QUICK, LONG, () -> { }).start();

        // ten periods go by without a run
        await().during(QUICK.multipliedBy(10)).atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 0);
    }

    @Test
    void aStepThatThrowsIsLoggedAndRunsAgainAtTheNextTick() {
        Logger logger = (Logger) LoggerFactory.getLogger(Ticker.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            ticker(Pacing.FIXED_DELAY, Duration.ZERO, QUICK, LONG, () -> {
                if (runs.get() == 1) {
                    throw new IllegalStateException("a bug");
                }
            }).start();

            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.ERROR);
            assertThat(event.getFormattedMessage()).isEqualTo("test-ticker failed; it runs again in PT0.01S");
            assertThat(event.getThrowableProxy().getMessage()).isEqualTo("a bug");
        });
    }

    @Test
    void stoppingLetsARunningStepFinishWithinTheStopTimeout() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        ticker(Pacing.FIXED_RATE, Duration.ZERO, LONG, LONG, () -> {
            started.countDown();
            try {
                release.await();
                finished.set(true);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        }).start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> stopping = CompletableFuture.supplyAsync(ticker::stop);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(10)).until(() -> !stopping.isDone());
        release.countDown();

        assertThat(stopping.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(finished).isTrue();
        assertThat(interrupted).isFalse();
    }

    /** A step that blocks until it is interrupted, and says when it started and when it was interrupted. */
    static final class Blocking implements Runnable {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);

        @Override
        public void run() {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // until interrupted
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }
    }

    @Test
    void aStepThatOutlastsTheStopTimeoutIsInterrupted() throws InterruptedException {
        Blocking step = new Blocking();
        ticker(Pacing.FIXED_RATE, Duration.ZERO, LONG, Duration.ofMillis(50), step).start();
        assertThat(step.started.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(ticker.stop()).isTrue();

        assertThat(step.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStopThatIsItselfInterruptedStopsTheStepAndKeepsTheInterrupt() throws InterruptedException {
        Blocking step = new Blocking();
        ticker(Pacing.FIXED_RATE, Duration.ZERO, LONG, LONG, step).start();
        assertThat(step.started.await(10, TimeUnit.SECONDS)).isTrue();

        Thread.currentThread().interrupt();
        try {
            ticker.stop();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(step.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
