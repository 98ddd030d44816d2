package io.taskstream.worker.heartbeat;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.support.GenericApplicationContext;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.embedded.MutableClock;
import io.taskstream.worker.heartbeat.LoopSupervisor.LoopStatus;

class LoopSupervisorTest {

    static final Duration STALL = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ManualLoop loop = new ManualLoop();
    final LoopSupervisor supervisor = new LoopSupervisor(List.of(loop), STALL, Duration.ofSeconds(1), clock, meters);

    @AfterEach
    void tearDown() {
        supervisor.stop();
    }

    double restartsCounted() {
        return meters.get(LoopSupervisor.RESTARTS_METRIC).tag("loop", "manual-loop").counter().count();
    }

    @Test
    void aLoopThatWasNeverStartedIsLeftAlone() {
        clock.advance(STALL.multipliedBy(2));

        assertThat(supervisor.check()).isZero();
        assertThat(loop.restarts).hasValue(0);
    }

    @Test
    void aLoopWhoseThreadDiedIsRestartedAtTheNextCheck() {
        loop.start();
        supervisor.check();

        loop.die();
        clock.advance(Duration.ofSeconds(1));

        assertThat(supervisor.check()).isEqualTo(1);
        assertThat(loop.restarts).hasValue(1);
        assertThat(loop.isAlive()).isTrue();
        assertThat(supervisor.restarts()).isEqualTo(1);
        assertThat(restartsCounted()).isEqualTo(1);
    }

    @Test
    void aLoopThatKeepsMakingProgressIsNeverRestarted() {
        loop.start();
        supervisor.check();

        for (int i = 0; i < 10; i++) {
            clock.advance(STALL.minusSeconds(1));
            loop.turn();
            supervisor.check();
        }

        assertThat(loop.restarts).hasValue(0);
    }

    @Test
    void aLoopWithoutProgressIsRestartedOnceTheStallTimeoutHasPassedNotBefore() {
        loop.start();
        supervisor.check();

        clock.advance(STALL.minusMillis(1));
        assertThat(supervisor.check()).isZero();
        assertThat(supervisor.status()).singleElement().extracting(LoopStatus::stalled).isEqualTo(false);

        clock.advance(Duration.ofMillis(1));
        assertThat(supervisor.status()).singleElement().extracting(LoopStatus::stalled).isEqualTo(true);
        assertThat(supervisor.check()).isEqualTo(1);
        assertThat(loop.restarts).hasValue(1);
        assertThat(supervisor.status()).singleElement().satisfies(status -> {
            assertThat(status.name()).isEqualTo("manual-loop");
            assertThat(status.alive()).isTrue();
            assertThat(status.stalled()).isFalse();
            assertThat(status.lastProgressAt()).isEqualTo(T0.plus(STALL));
            assertThat(status.restarts()).isEqualTo(1);
        });
    }

    @Test
    void aLoopThatDiesAgainAtOnceIsRestartedAtMostOncePerStallTimeout() {
        loop.start();
        supervisor.check();
        loop.die();
        supervisor.check();

        loop.die();
        clock.advance(STALL.minusSeconds(1));
        assertThat(supervisor.check()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(supervisor.check()).isEqualTo(1);

        assertThat(loop.restarts).hasValue(2);
    }

    @Test
    void aRestartThatFailsIsTriedAgainAfterTheStallTimeout() {
        loop.start();
        supervisor.check();
        loop.die().failRestartsWith(new IllegalStateException("no consumer"));

        assertThat(supervisor.check()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(supervisor.check()).isZero();

        loop.failRestartsWith(null);
        clock.advance(STALL);
        assertThat(supervisor.check()).isEqualTo(1);
        assertThat(loop.isAlive()).isTrue();
        assertThat(loop.restarts).hasValue(2);
    }

    @Test
    void itsStatusAnswersWhileARestartHoldsTheSupervisor() throws Exception {
        CountDownLatch restarting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Supervised hanging = new Supervised() {
            @Override
            public String name() {
                return "hanging-loop";
            }

            @Override
            public boolean isAlive() {
                return true;
            }

            @Override
            public long progress() {
                return 0;
            }

            @Override
            public void restart() {
                restarting.countDown();
                try {
                    release.await(); // as a restart joining a poll thread that does not end
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        LoopSupervisor holding = new LoopSupervisor(List.of(hanging), STALL, Duration.ofSeconds(1), clock, meters);
        holding.check();
        clock.advance(STALL);
        Thread checking = Thread.ofVirtual().start(holding::check);
        try {
            assertThat(restarting.await(10, TimeUnit.SECONDS)).isTrue();

            List<LoopStatus> status = assertTimeoutPreemptively(Duration.ofSeconds(5), holding::status);

            assertThat(status).singleElement().satisfies(loop -> {
                assertThat(loop.stalled()).isTrue();
                assertThat(loop.restarts()).isEqualTo(1);
            });
            assertThat(holding.restarts()).isEqualTo(1);
        } finally {
            release.countDown();
            checking.join();
        }
    }

    @Test
    void aLoopIsWedgedWhenItNeedsARestartAgainAfterRestartsThatBroughtNoProgress() {
        loop.start();
        supervisor.check();
        loop.die().failRestartsWith(new IllegalStateException("no consumer"));
        supervisor.check();
        for (int i = 1; i < LoopSupervisor.WEDGED_AFTER_RESTARTS; i++) {
            clock.advance(STALL);
            supervisor.check();
        }
        assertThat(supervisor.status()).singleElement().extracting(LoopStatus::wedged).isEqualTo(false);

        clock.advance(STALL);
        supervisor.check();
        assertThat(supervisor.status()).singleElement().extracting(LoopStatus::wedged).isEqualTo(true);

        loop.failRestartsWith(null);
        clock.advance(STALL);
        supervisor.check();
        loop.turn();
        clock.advance(Duration.ofSeconds(1));
        supervisor.check();
        assertThat(supervisor.status()).singleElement().extracting(LoopStatus::wedged).as("it progressed")
                .isEqualTo(false);
    }

    @Test
    void onceTheContextClosesNothingIsRestarted() {
        loop.start();
        supervisor.check();

        supervisor.onApplicationEvent(new ContextClosedEvent(new GenericApplicationContext()));
        loop.die();

        assertThat(supervisor.check()).isZero();
        assertThat(loop.restarts).hasValue(0);
    }

    @Test
    void startedItChecksOnItsOwnThreadEveryCheckInterval() {
        LoopSupervisor quick = new LoopSupervisor(List.of(loop), STALL, Duration.ofMillis(10), clock, meters);
        loop.start();
        quick.start();
        quick.start(); // again: no second thread
        try {
            assertThat(quick.isRunning()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> quick.status().getFirst().lastProgressAt() != null);

            loop.die();

            await().atMost(Duration.ofSeconds(10)).until(() -> loop.restarts.get() == 1);
            assertThat(loop.isAlive()).isTrue();
        } finally {
            quick.stop();
        }
        assertThat(quick.isRunning()).isFalse();
    }

    @Test
    void withoutLoopsItStartsNoThread() {
        LoopSupervisor idle = new LoopSupervisor(List.of(), STALL, Duration.ofSeconds(1), clock, meters);

        idle.start();

        assertThat(idle.isRunning()).isFalse();
        assertThat(idle.check()).isZero();
        assertThat(idle.restarts()).isZero();
        idle.stop();
    }
}
