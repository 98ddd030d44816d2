package io.taskstream.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Priority;

class QueueAdmissionTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** What the next reading returns; null: the reading fails. */
    private final AtomicReference<Map<Priority, Long>> kafka = new AtomicReference<>();
    private final QueueDepths depths = new QueueDepths(() -> {
        Map<Priority, Long> now = kafka.get();
        if (now == null) {
            throw new IllegalStateException("Kafka does not answer");
        }
        return now;
    }, Duration.ofSeconds(1), Clock.systemUTC(), meters);
    private final QueueAdmission admission = new QueueAdmission(depths, limits(5, 100), Duration.ofSeconds(7),
            meters);

    @AfterEach
    void tearDown() throws Exception {
        depths.close();
    }

    /** NORMAL's limit is {@code normal}, every other priority's {@code others}. */
    private static Map<Priority, Integer> limits(int normal, int others) {
        Map<Priority, Integer> limits = new EnumMap<>(Priority.class);
        for (Priority priority : Priority.values()) {
            limits.put(priority, priority == Priority.NORMAL ? normal : others);
        }
        return limits;
    }

    private void kafkaSays(long normal, long low) {
        Map<Priority, Long> now = new EnumMap<>(Priority.class);
        now.put(Priority.CRITICAL, 0L);
        now.put(Priority.HIGH, 0L);
        now.put(Priority.NORMAL, normal);
        now.put(Priority.LOW, low);
        kafka.set(now);
        depths.refresh();
    }

    private double rejections() {
        return meters.get("tasks.rejected").tag("reason", "queue_full").counter().count();
    }

    @Test
    void belowItsLimitAPriorityAdmits() {
        kafkaSays(4, 99);

        admission.admit("acme", Priority.NORMAL);
        admission.admit("acme", Priority.LOW);

        assertThat(rejections()).isZero();
    }

    @Test
    void atItsLimitAPriorityRefusesWithQueueFullAndRetryAfterWhileTheOthersAdmit() {
        kafkaSays(5, 0);

        assertThatThrownBy(() -> admission.admit("acme", Priority.NORMAL)).isInstanceOfSatisfying(ApiException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_FULL);
                    assertThat(e.code().status().value()).isEqualTo(503);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(e.getMessage()).contains("NORMAL", "5", "limit 5");
                });
        admission.admit("acme", Priority.LOW);

        assertThat(rejections()).as("only NORMAL's refusal").isEqualTo(1);
        assertThat(meters.get("tasks.rejected").counters()).as("one series: reason is its only tag").hasSize(1);
    }

    @Test
    void aDrainedQueueAdmitsAgain() {
        kafkaSays(50, 0);
        assertThatThrownBy(() -> admission.admit("acme", Priority.NORMAL)).isInstanceOf(ApiException.class);

        kafkaSays(4, 0);

        admission.admit("acme", Priority.NORMAL);
    }

    @Test
    void whileTheDepthIsUnknownEverythingIsAdmitted() {
        admission.admit("acme", Priority.NORMAL);
        kafkaSays(1_000, 1_000);
        kafka.set(null);
        depths.refresh();

        admission.admit("acme", Priority.NORMAL);
        admission.admit("acme", Priority.LOW);

        assertThat(rejections()).isZero();
    }
}
