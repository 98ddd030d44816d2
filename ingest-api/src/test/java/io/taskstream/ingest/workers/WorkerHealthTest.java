package io.taskstream.ingest.workers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.taskstream.ingest.workers.WorkerHealth.Assessment;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

/** The status rules, with time fixed at {@link #NOW} and heartbeats taken at chosen moments before it. */
class WorkerHealthTest {

    static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** A heartbeat of a worker beating every {@code interval}, taken {@code age} ago. */
    static WorkerHeartbeat beat(Duration interval, Duration age, long completed, long failed, long timedOut,
                                long cancelled, long stuck, boolean consumerRunning) {
        return new WorkerHeartbeat(new WorkerHeartbeat.Identity("w-1", "host-a", "taskstream-workers", "dev",
                List.of(Priority.values())), NOW.minus(Duration.ofHours(1)), CLOCK.instant().minus(age), interval,
                2, 10, consumerRunning, completed, failed, timedOut, cancelled, stuck, 0);
    }

    static WorkerHeartbeat fresh(long completed, long failed, long timedOut, long cancelled) {
        return beat(Duration.ofSeconds(10), Duration.ofSeconds(1), completed, failed, timedOut, cancelled, 0, true);
    }

    static Assessment assess(WorkerHeartbeat heartbeat) {
        return WorkerHealth.assess(heartbeat, CLOCK.instant());
    }

    @Test
    void aWorkerThatBeatsAndMostlySucceedsIsHealthy() {
        assertThat(assess(fresh(100, 10, 0, 3))).isEqualTo(new Assessment(WorkerStatus.HEALTHY, List.of()));
    }

    @Test
    void aWorkerSilentForThreeIntervalsIsUnhealthyNotBefore() {
        Duration interval = Duration.ofSeconds(10);

        assertThat(assess(beat(interval, Duration.ofMillis(29_999), 0, 0, 0, 0, 0, true)).status())
                .isEqualTo(WorkerStatus.HEALTHY);
        assertThat(assess(beat(interval, Duration.ofSeconds(30), 0, 0, 0, 0, 0, true)))
                .isEqualTo(new Assessment(WorkerStatus.UNHEALTHY,
                        List.of("no heartbeat for 30 s (one is due every 10 s)")));
        assertThat(assess(beat(interval, Duration.ofMillis(45_500), 0, 0, 0, 0, 0, true)).reasons())
                .containsExactly("no heartbeat for 45.5 s (one is due every 10 s)");
    }

    @Test
    void theSilenceAllowedFollowsEachWorkersOwnInterval() {
        Duration interval = Duration.ofSeconds(2);

        assertThat(assess(beat(interval, Duration.ofMillis(5_999), 0, 0, 0, 0, 0, true)).status())
                .isEqualTo(WorkerStatus.HEALTHY);
        assertThat(assess(beat(interval, Duration.ofSeconds(6), 0, 0, 0, 0, 0, true)).status())
                .isEqualTo(WorkerStatus.UNHEALTHY);
    }

    @Test
    void aHeartbeatFromTheFutureCountsAsFresh() {
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ofSeconds(-5), 0, 0, 0, 0, 0, true)).status())
                .isEqualTo(WorkerStatus.HEALTHY);
    }

    @Test
    void moreThanHalfOfAtLeastTenAttemptsFailingOrTimingOutIsDegraded() {
        // exactly half is not more than half
        assertThat(assess(fresh(5, 5, 0, 0)).status()).isEqualTo(WorkerStatus.HEALTHY);
        assertThat(assess(fresh(4, 5, 1, 0)))
                .isEqualTo(new Assessment(WorkerStatus.DEGRADED,
                        List.of("6 of the 10 attempts of the last interval failed or timed out")));
        // timed-out attempts are errors too; cancelled ones are attempts but not errors
        assertThat(assess(fresh(0, 0, 6, 4)).status()).isEqualTo(WorkerStatus.DEGRADED);
        assertThat(assess(fresh(0, 5, 0, 5)).status()).isEqualTo(WorkerStatus.HEALTHY);
    }

    @Test
    void fewerThanTenAttemptsSayTooLittleToCallAWorkerDegraded() {
        assertThat(assess(fresh(0, 9, 0, 0)).status()).isEqualTo(WorkerStatus.HEALTHY);
        assertThat(assess(fresh(0, 10, 0, 0)).status()).isEqualTo(WorkerStatus.DEGRADED);
    }

    @Test
    void stuckSlotsMakeAWorkerDegraded() {
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ZERO, 50, 0, 0, 0, 1, true)))
                .isEqualTo(new Assessment(WorkerStatus.DEGRADED,
                        List.of("1 stuck slot: attempts abandoned at their timeout may still be running")));
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ZERO, 50, 0, 0, 0, 3, true)).reasons())
                .containsExactly("3 stuck slots: attempts abandoned at their timeout may still be running");
    }

    @Test
    void aWorkerWhoseConsumerLoopIsDownIsDegraded() {
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ZERO, 0, 0, 0, 0, 0, false)))
                .isEqualTo(new Assessment(WorkerStatus.DEGRADED,
                        List.of("its consumer loop is not running: it takes no work")));
    }

    @Test
    void everyReasonIsGivenAndSilenceOutranksThem() {
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ZERO, 0, 10, 0, 0, 2, false)).reasons())
                .hasSize(3);
        assertThat(assess(beat(Duration.ofSeconds(10), Duration.ofMinutes(1), 0, 10, 0, 0, 2, false)).status())
                .isEqualTo(WorkerStatus.UNHEALTHY);
    }
}
