package io.taskstream.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.schemas.Priority;

class QueueDepthsTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static Map<Priority, Long> depths(long critical, long high, long normal, long low) {
        Map<Priority, Long> depths = new EnumMap<>(Priority.class);
        depths.put(Priority.CRITICAL, critical);
        depths.put(Priority.HIGH, high);
        depths.put(Priority.NORMAL, normal);
        depths.put(Priority.LOW, low);
        return depths;
    }

    private double gauge(Priority priority) {
        return meters.get("queue.depth").tag("priority", priority.topicSuffix()).gauge().value();
    }

    @Test
    void unknownUntilTheFirstReadingThenWhatWasRead() throws Exception {
        try (QueueDepths queues = new QueueDepths(() -> depths(1, 2, 3, 4), Duration.ofSeconds(1),
                Clock.fixed(T0, ZoneOffset.UTC), meters)) {
            assertThat(queues.current().known()).isFalse();
            assertThat(queues.current().depth(Priority.NORMAL)).isEmpty();
            assertThat(gauge(Priority.NORMAL)).isNaN();

            queues.refresh();

            assertThat(queues.current().observedAt()).isEqualTo(T0);
            assertThat(queues.current().depth(Priority.NORMAL)).hasValue(3);
            assertThat(queues.current().depth(Priority.LOW)).hasValue(4);
            assertThat(gauge(Priority.CRITICAL)).isEqualTo(1.0);
            assertThat(gauge(Priority.HIGH)).isEqualTo(2.0);
        }
    }

    @Test
    void aFailedReadingMakesTheDepthUnknownRatherThanKeepingAnOldOne() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (QueueDepths queues = new QueueDepths(() -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("broker gone");
            }
            return depths(0, 0, 10_000, 0);
        }, Duration.ofSeconds(1), Clock.fixed(T0, ZoneOffset.UTC), meters)) {
            queues.refresh();
            assertThat(queues.current().depth(Priority.NORMAL)).hasValue(10_000);

            queues.refresh();
            assertThat(queues.current().known()).isFalse();
            assertThat(queues.current().depth(Priority.NORMAL)).isEmpty();
            assertThat(gauge(Priority.NORMAL)).isNaN();
            assertThat(queues.failingSince()).isEqualTo(T0);

            queues.refresh();
            assertThat(queues.current().depth(Priority.NORMAL)).hasValue(10_000);
            assertThat(queues.failingSince()).isNull();
        }
    }

    @Test
    void aRequestNeverWaitsForAReadingAndReadingsNeverOverlap() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        AtomicInteger readings = new AtomicInteger();
        QueueDepths.Source slow = () -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                release.await(10, TimeUnit.SECONDS);
                return depths(0, 0, readings.incrementAndGet(), 0);
            } finally {
                inFlight.decrementAndGet();
            }
        };
        try (QueueDepths queues = new QueueDepths(slow, Duration.ofMillis(1), Clock.systemUTC(), meters)) {
            queues.start();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.get() == 1);

            long started = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                assertThat(queues.current().known()).isFalse();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered from memory")
                    .isLessThan(Duration.ofSeconds(1));

            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> queues.current().depth(Priority.NORMAL).orElse(0) >= 3);
            assertThat(mostInFlight.get()).as("one reading at a time").isEqualTo(1);
        }
    }

    @Test
    void anOngoingFailureIsLoggedWhenItStartsAtMostOncePerIntervalAndWhenItEnds() throws Exception {
        MutableClock clock = new MutableClock(T0);
        AtomicInteger failing = new AtomicInteger(1);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(QueueDepths.class);
        logger.addAppender(logs);
        logs.start();
        try (QueueDepths queues = new QueueDepths(() -> {
            if (failing.get() == 1) {
                throw new IllegalStateException("broker gone");
            }
            return depths(0, 0, 0, 0);
        }, Duration.ofSeconds(1), clock, meters)) {
            List<Integer> loggedAt = new ArrayList<>();
            for (int second = 0; second < 120; second++) {
                int before = logs.list.size();
                queues.refresh();
                if (logs.list.size() > before) {
                    loggedAt.add(second);
                }
                clock.advance(Duration.ofSeconds(1));
            }
            failing.set(0);
            queues.refresh();

            assertThat(loggedAt).as("seconds of a two-minute failure at which it was logged").containsExactly(0, 60);
            assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(2).allSatisfy(e ->
                    assertThat(e.getFormattedMessage()).contains("admitted without admission control", "broker gone"));
            assertThat(logs.list).filteredOn(e -> e.getLevel() == Level.INFO).singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("known again"));
        } finally {
            logger.detachAppender(logs);
        }
    }
}
