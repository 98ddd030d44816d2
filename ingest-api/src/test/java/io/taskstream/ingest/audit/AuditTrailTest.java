package io.taskstream.ingest.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;

/**
 * The audit writer without a thread: {@link AuditTrail#step()} is one turn of it, time is the test's clock,
 * and the sink plays Postgres.
 */
class AuditTrailTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final FakePostgres postgres = new FakePostgres();

    /** Keeps what it was given; down while {@link #failuresLeft} > 0; refuses entries of action "bad". */
    static final class FakePostgres implements AuditTrail.Sink {
        final List<List<AuditEntry>> statements = new CopyOnWriteArrayList<>();
        volatile int failuresLeft;
        volatile int calls;

        @Override
        public void append(List<AuditEntry> batch) {
            calls++;
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new DataAccessResourceFailureException("connection refused");
            }
            if (batch.stream().anyMatch(e -> e.action().equals("bad"))) {
                throw new DataIntegrityViolationException("invalid input syntax");
            }
            statements.add(List.copyOf(batch));
        }

        List<String> rows() {
            return statements.stream().flatMap(List::stream).map(AuditEntry::resourceId).toList();
        }

        List<Integer> sizes() {
            return statements.stream().map(List::size).toList();
        }
    }

    private AuditTrail trail(int capacity, int batchSize) {
        return new AuditTrail(postgres, new AuditProperties(capacity, batchSize, Duration.ofMillis(50),
                Duration.ofSeconds(1), Duration.ofSeconds(2)), clock, meters);
    }

    private static AuditEntry entry(String id) {
        return AuditEntry.event(T0, "acme", "key-1", "task.submit", "task", id, Map.of());
    }

    private double counted(String result) {
        return meters.counter("taskstream.ingest.audit.entries", "result", result).count();
    }

    @Test
    void aFullBatchIsWrittenAtOnceWithoutWaiting() {
        AuditTrail trail = trail(100, 3);
        trail.record(entry("1"));
        trail.record(entry("2"));
        assertThat(trail.step()).as("two of three, and no time has passed").isZero();

        trail.record(entry("3"));
        trail.record(entry("4"));

        assertThat(trail.step()).isEqualTo(3);
        assertThat(postgres.rows()).containsExactly("1", "2", "3");
        assertThat(counted("written")).isEqualTo(3);
        assertThat(trail.step()).as("the fourth waits for company").isZero();
        clock.advance(Duration.ofMillis(50));
        assertThat(trail.step()).isEqualTo(1);
        assertThat(trail.queued()).isZero();
    }

    @Test
    void aBatchThatIsNotFullIsWrittenOnceItsFirstEntryWaitedMaxDelay() {
        AuditTrail trail = trail(100, 500);
        trail.record(entry("1"));
        assertThat(trail.step()).isZero();
        clock.advance(Duration.ofMillis(30));
        trail.record(entry("2"));
        clock.advance(Duration.ofMillis(19));
        assertThat(trail.step()).as("49 ms after the first entry").isZero();

        clock.advance(Duration.ofMillis(1));

        assertThat(trail.step()).as("50 ms after the first entry").isEqualTo(2);
        assertThat(postgres.sizes()).containsExactly(2);
        assertThat(trail.step()).as("nothing left").isZero();
    }

    @Test
    void aFullQueueDropsTheNewEntryAndCountsIt() {
        AuditTrail trail = trail(2, 500);
        trail.record(entry("1"));
        trail.record(entry("2"));

        trail.record(entry("3"));
        trail.record(entry("4"));

        assertThat(counted("dropped")).isEqualTo(2);
        trail.flush();
        assertThat(postgres.rows()).containsExactly("1", "2");
    }

    @Test
    void whenPostgresIsDownTheBatchIsTriedAgainAfterRetryDelayAndWrittenOnce() {
        AuditTrail trail = trail(100, 2);
        postgres.failuresLeft = 2;
        trail.record(entry("1"));
        trail.record(entry("2"));
        trail.record(entry("3"));

        assertThat(trail.step()).as("Postgres down").isZero();
        clock.advance(Duration.ofMillis(999));
        assertThat(trail.step()).isZero();
        assertThat(postgres.calls).as("no retry before retryDelay").isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(trail.step()).as("still down").isZero();
        assertThat(meters.counter("taskstream.ingest.audit.write.failures").count()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));

        assertThat(trail.step()).as("back").isEqualTo(2);
        clock.advance(Duration.ofMillis(50));
        assertThat(trail.step()).isEqualTo(1);

        assertThat(postgres.rows()).containsExactly("1", "2", "3");
        assertThat(postgres.sizes()).containsExactly(2, 1);
    }

    @Test
    void aRowPostgresRefusesIsDroppedAloneAndTheOthersAreWritten() {
        AuditTrail trail = trail(100, 3);
        trail.record(entry("1"));
        trail.record(AuditEntry.event(T0, "acme", "key-1", "bad", "task", "2", Map.of()));
        trail.record(entry("3"));

        assertThat(trail.step()).isEqualTo(3);

        assertThat(postgres.rows()).containsExactly("1", "3");
        assertThat(counted("rejected")).isEqualTo(1);
        assertThat(counted("written")).isEqualTo(2);
    }

    @Test
    void flushWritesEverythingQueuedInBatches() {
        AuditTrail trail = trail(100, 3);
        for (int i = 1; i <= 7; i++) {
            trail.record(entry(Integer.toString(i)));
        }

        trail.flush();

        assertThat(postgres.sizes()).containsExactly(3, 3, 1);
        assertThat(postgres.rows()).containsExactly("1", "2", "3", "4", "5", "6", "7");
    }

    @Test
    void aFlushWhilePostgresIsDownFailsAndKeepsTheEntries() {
        AuditTrail trail = trail(100, 3);
        trail.record(entry("1"));
        postgres.failuresLeft = 1;

        assertThatThrownBy(trail::flush).isInstanceOf(IllegalStateException.class);

        trail.flush();
        assertThat(postgres.rows()).containsExactly("1");
    }

    @Test
    void theStartedWriterWritesOnAFlushAndWhatIsLeftWhenItStops() {
        AuditTrail trail = trail(100, 500);
        trail.start();
        try {
            trail.record(entry("1"));
            trail.flush();
            assertThat(postgres.rows()).containsExactly("1");
            trail.record(entry("2"));
            trail.record(entry("3"));
        } finally {
            trail.stop();
        }

        assertThat(trail.isRunning()).isFalse();
        assertThat(postgres.rows()).containsExactly("1", "2", "3");
    }

    @Test
    void aStartedWriterWritesABatchOnceWhenPostgresComesBack() {
        AuditTrail trail = new AuditTrail(postgres, new AuditProperties(100, 500, Duration.ofMillis(1),
                Duration.ofMillis(1), Duration.ofSeconds(2)), java.time.Clock.systemUTC(), meters);
        postgres.failuresLeft = 3;
        trail.start();
        try {
            trail.record(entry("1"));
        } finally {
            trail.stop();
        }

        assertThat(postgres.rows()).as("written once, at the latest when stopping").containsExactly("1");
    }

    @Test
    void aStoppedWriterThatCannotReachPostgresGivesUpAfterTheShutdownTimeout() {
        AuditTrail trail = new AuditTrail(postgres, new AuditProperties(100, 500, Duration.ofMillis(50),
                Duration.ofMillis(10), Duration.ofMillis(100)), java.time.Clock.systemUTC(), meters);
        postgres.failuresLeft = Integer.MAX_VALUE;
        trail.start();
        trail.record(entry("1"));

        trail.stop();

        assertThat(trail.isRunning()).isFalse();
        assertThat(postgres.rows()).isEmpty();
        assertThat(postgres.calls).as("it tried more than once").isGreaterThan(1);
    }
}
