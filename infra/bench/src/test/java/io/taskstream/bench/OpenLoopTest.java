package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OpenLoopTest {

    @Test
    void sendsEveryDueRequestAndRecordsOnlyThoseAfterTheWarmUp() throws Exception {
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        OpenLoop loop = new OpenLoop(200, Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            sent.add(index);
            return index % 10 == 0 ? 503 : 202;
        });

        assertThat(sent).hasSize(150).contains(0L, 149L);
        assertThat(result.recorded()).isEqualTo(100);
        assertThat(result.count(202)).isEqualTo(90);
        assertThat(result.count(503)).isEqualTo(10);
        assertThat(result.errors()).isZero();
        assertThat(result.throughput()).isEqualTo(200.0);
        assertThat(result.latencyMicros().getTotalCount()).isEqualTo(100);
    }

    @Test
    void aSlowServerMeetsMoreConcurrentRequestsAndItsQueueingCountsAsLatency() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            // the first request holds the "server" until the last one is due: an open loop keeps sending
            if (index == 0) {
                assertThat(release.await(5, TimeUnit.SECONDS)).isTrue();
            } else if (index == 19) {
                release.countDown();
            }
            return 200;
        });

        assertThat(result.recorded()).isEqualTo(20);
        assertThat(result.latencyMicros().getMaxValue())
                .as("the first request waited for the 20th, due 190 ms later").isGreaterThanOrEqualTo(180_000);
    }

    @Test
    void aRequestThatThrowsIsAnErrorNotAStatus() throws Exception {
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            throw new java.io.IOException("connection refused");
        });

        assertThat(result.errors()).isEqualTo(10);
        assertThat(result.statuses()).isEmpty();
    }

    @Test
    void anAnswerThatNeverComesEndsTheRunAfterTheDrainTimeoutUncounted() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(300));

        OpenLoop.Result result = loop.run(index -> {
            if (index == 3) {
                // like a blocked socket read, which an interrupt does not end
                while (never.getCount() > 0) {
                    try {
                        never.await();
                    } catch (InterruptedException ignored) {
                        // keep waiting
                    }
                }
            }
            return 202;
        });

        assertThat(result.recorded()).isEqualTo(9);
        assertThat(result.count(202)).isEqualTo(9);
        never.countDown();
    }

    @Test
    void refusesANonsensicalRun() {
        assertThatThrownBy(() -> new OpenLoop(0, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> new OpenLoop(10, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("duration");
    }
}
