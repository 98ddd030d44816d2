package io.taskstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OpenLoopTest {

    @Test
    void sendsEveryDueRequestAndRecordsOnlyThoseAfterTheWarmUp() throws Exception {
        Set<Long> sent = ConcurrentHashMap.newKeySet();
        OpenLoop loop = new OpenLoop(200, Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            sent.add(index);
            return CompletableFuture.completedFuture(index % 10 == 0 ? 503 : 202);
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
        CompletableFuture<Integer> first = new CompletableFuture<>();
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            // the first request is answered only when the last one is due: an open loop keeps sending
            if (index == 0) {
                return first;
            }
            if (index == 19) {
                first.complete(200);
            }
            return CompletableFuture.completedFuture(200);
        });

        assertThat(result.recorded()).isEqualTo(20);
        assertThat(result.latencyMicros().getMaxValue())
                .as("the first request waited for the 20th, due 190 ms later").isGreaterThanOrEqualTo(180_000);
    }

    @Test
    void aRequestThatThrowsIsAnErrorNotAStatus() throws Exception {
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> index % 2 == 0
                ? CompletableFuture.failedFuture(new java.io.IOException("connection reset"))
                : throwing());

        assertThat(result.errors()).isEqualTo(10);
        assertThat(result.statuses()).isEmpty();
    }

    @Test
    void anAnswerThatNeverComesEndsTheRunAfterTheDrainTimeoutUncounted() throws Exception {
        CompletableFuture<Integer> never = new CompletableFuture<>();
        OpenLoop loop = new OpenLoop(100, Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(300));

        OpenLoop.Result result = loop.run(index -> index == 3 ? never : CompletableFuture.completedFuture(202));
        never.complete(202);

        assertThat(result.recorded()).isEqualTo(9);
        assertThat(result.count(202)).isEqualTo(9);
    }

    @Test
    void noMoreThanTheLimitIsInFlightAndWaitingForASlotCountsAsLateness() throws Exception {
        List<CompletableFuture<Integer>> held = new CopyOnWriteArrayList<>();
        OpenLoop loop = new OpenLoop(10_000, Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(5));

        OpenLoop.Result result = loop.run(index -> {
            CompletableFuture<Integer> answer = new CompletableFuture<>();
            held.add(answer);
            if (held.size() == OpenLoop.MAX_IN_FLIGHT) {
                // all slots taken: the next request can only start once these are answered, 50 ms late at least
                CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)
                        .execute(() -> held.forEach(a -> a.complete(200)));
            } else if (held.size() > OpenLoop.MAX_IN_FLIGHT) {
                answer.complete(200);
            }
            return answer;
        });

        assertThat(result.recorded()).isEqualTo(1000);
        assertThat(result.count(200)).isEqualTo(1000);
        assertThat(result.behindMicrosMax()).isGreaterThanOrEqualTo(40_000);
    }

    private static CompletableFuture<Integer> throwing() throws java.io.IOException {
        throw new java.io.IOException("connection refused");
    }

    @Test
    void refusesANonsensicalRun() {
        assertThatThrownBy(() -> new OpenLoop(0, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> new OpenLoop(10, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("duration");
    }
}
