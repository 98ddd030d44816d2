package io.taskstream.schemas.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.MockAdminClient;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class KafkaHealthIndicatorTest {

    final MockAdminClient cluster = new MockAdminClient(List.of(new Node(0, "broker-0", 9092),
            new Node(1, "broker-1", 9092)), new Node(0, "broker-0", 9092));
    final AtomicInteger created = new AtomicInteger();
    final KafkaHealthIndicator indicator = new KafkaHealthIndicator(() -> {
        created.incrementAndGet();
        return cluster;
    });

    @Test
    void aClusterThatAnswersIsUpWithItsIdAndNodes() {
        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("clusterId", MockAdminClient.DEFAULT_CLUSTER_ID)
                .containsEntry("nodes", 2);
    }

    @Test
    void aClusterThatDoesNotAnswerIsDownAndUpAgainOnceItDoes() {
        cluster.timeoutNextRequest(1);

        Health down = indicator.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).extractingByKey("error").asString().contains("Timeout");

        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        assertThat(created).as("one admin client for every check").hasValue(1);
    }

    @Test
    void anUnreachableBrokerIsDownWithinTheTimeout() {
        KafkaHealthIndicator unreachable = new KafkaHealthIndicator(Map.of(
                "bootstrap.servers", "127.0.0.1:" + unusedPort()));
        try {
            long start = System.nanoTime();
            assertThat(unreachable.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("about the timeout, not Kafka's minute")
                    .isLessThan(KafkaHealthIndicator.TIMEOUT.plusSeconds(3));
        } finally {
            unreachable.destroy();
        }
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
