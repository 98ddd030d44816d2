package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;

class LoopsHealthIndicatorTest {

    static final Duration STALL = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(T0);
    final ManualLoop loop = new ManualLoop();
    final LoopSupervisor supervisor = new LoopSupervisor(List.of(loop), STALL, Duration.ofSeconds(1), clock,
            new SimpleMeterRegistry());
    final LoopsHealthIndicator indicator = new LoopsHealthIndicator(supervisor);

    /** One check a stall timeout later: the supervisor's next try at a loop that died. */
    void nextTry() {
        clock.advance(STALL);
        supervisor.check();
    }

    @Test
    void upWhileTheLoopRunsAndWhileTheSupervisorIsStillRestartingIt() {
        loop.start();
        supervisor.check();
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        loop.die().failRestartsWith(new IllegalStateException("the old poll loop has not ended"));
        supervisor.check();
        for (int i = 1; i < LoopSupervisor.WEDGED_AFTER_RESTARTS; i++) {
            nextTry();
        }

        Health health = indicator.health();
        assertThat(health.getStatus()).as("%s restarts, none more needed yet", loop.restarts.get())
                .isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("wedged", List.of())
                .containsEntry("restarts", (long) LoopSupervisor.WEDGED_AFTER_RESTARTS);
    }

    @Test
    void downOnceTheLoopNeedsARestartAgainAfterRestartsThatBroughtNoProgressAndUpOnceItProgresses() {
        loop.start();
        supervisor.check();
        loop.die().failRestartsWith(new IllegalStateException("the old poll loop has not ended"));
        supervisor.check();
        for (int i = 1; i <= LoopSupervisor.WEDGED_AFTER_RESTARTS; i++) {
            nextTry();
        }

        Health wedged = indicator.health();
        assertThat(wedged.getStatus()).isEqualTo(Status.DOWN);
        assertThat(wedged.getDetails()).containsEntry("wedged", List.of("manual-loop"));

        loop.failRestartsWith(null);
        nextTry();
        assertThat(indicator.health().getStatus()).as("restarted, no progress yet").isEqualTo(Status.DOWN);
        loop.turn();
        clock.advance(Duration.ofSeconds(1));
        supervisor.check();
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aLoopThatProgressesBetweenRestartsIsNeverWedged() {
        loop.start();
        supervisor.check();

        for (int i = 0; i < LoopSupervisor.WEDGED_AFTER_RESTARTS * 2; i++) {
            loop.die();
            nextTry();
            loop.turn();
            clock.advance(Duration.ofSeconds(1));
            supervisor.check();
        }

        assertThat(loop.restarts.get()).isEqualTo(LoopSupervisor.WEDGED_AFTER_RESTARTS * 2);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }
}
