package io.taskstream.ingest.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.ScheduleDefinition;
import io.taskstream.schemas.Topics;

class SchedulePublisherTest {

    static final ScheduleDefinition NIGHTLY = new ScheduleDefinition(
            UUID.fromString("0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90"), "acme", "nightly", "0 2 * * *", "Europe/Berlin",
            new ScheduleDefinition.TaskTemplate("report.generate", Json.mapper().createObjectNode(), Priority.LOW, 4,
                    Duration.ofMinutes(5), null, Map.of()),
            true, null, null, Instant.parse("2026-11-28T10:00:00Z"));

    /** A mock producer that stays open, as the real factory's shared producer does. */
    private static MockProducer<String, ScheduleDefinition> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(),
                JsonSerde.of(ScheduleDefinition.class).serializer()) {
            @Override
            public void close(Duration timeout) {
            }
        };
    }

    private static SchedulePublisher publisher(MockProducer<String, ScheduleDefinition> kafka) {
        return new SchedulePublisher(new KafkaTemplate<>(new MockProducerFactory<>(() -> kafka)),
                Topics.withDefaultPrefix(), Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    @Test
    void aDefinitionGoesToTheSchedulesTopicUnderItsKeyWithItsTraceparent() {
        MockProducer<String, ScheduleDefinition> kafka = producer(true);

        publisher(kafka).publish(NIGHTLY, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        assertThat(kafka.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("taskstream.schedules");
            assertThat(r.key()).isEqualTo("acme/0193a2f0-5b1c-7e2d-8f3a-4b5c6d7e8f90");
            assertThat(r.value()).isEqualTo(NIGHTLY);
            assertThat(new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .startsWith("00-4bf92f");
        });
    }

    @Test
    void aDeletionIsATombstone() {
        MockProducer<String, ScheduleDefinition> kafka = producer(true);

        publisher(kafka).publishDeletion(NIGHTLY.key(), null);

        assertThat(kafka.history()).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(NIGHTLY.key());
            assertThat(r.value()).isNull();
            assertThat(r.headers().toArray()).isEmpty();
        });
    }

    @Test
    void noAcknowledgementInTimeIsADependencyProblem() {
        MockProducer<String, ScheduleDefinition> kafka = producer(false);
        long start = System.nanoTime();

        assertThatThrownBy(() -> publisher(kafka).publish(NIGHTLY, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aRecordTheBrokerFailedIsADependencyProblem() {
        MockProducer<String, ScheduleDefinition> kafka = producer(false);
        SchedulePublisher publisher = new SchedulePublisher(new KafkaTemplate<>(new MockProducerFactory<>(() -> kafka)),
                Topics.withDefaultPrefix(), Duration.ofSeconds(5), Duration.ofSeconds(5));
        java.util.concurrent.CompletableFuture<Throwable> failure = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        publisher.publish(NIGHTLY, null);
                        return null;
                    } catch (ApiException e) {
                        return e;
                    }
                });
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> kafka.history().size() == 1);

        kafka.errorNext(new org.apache.kafka.common.errors.NotEnoughReplicasException("isr too small"));

        assertThat(failure.join()).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
            assertThat(e.getCause()).hasRootCauseInstanceOf(
                    org.apache.kafka.common.errors.NotEnoughReplicasException.class);
        });
    }

    @Test
    void aRefusedRecordIsADependencyProblem() {
        MockProducer<String, ScheduleDefinition> kafka = producer(true);
        kafka.sendException = new KafkaException("closed");

        assertThatThrownBy(() -> publisher(kafka).publishDeletion(NIGHTLY.key(), null))
                .isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }

    @Test
    void aRestoreIsSentInTheBackgroundInOrderAndItsFailureIsOnlyLogged() throws InterruptedException {
        MockProducer<String, ScheduleDefinition> kafka = producer(false);
        SchedulePublisher publisher = publisher(kafka);

        publisher.restore(NIGHTLY.key(), NIGHTLY);
        publisher.restore(NIGHTLY.key(), null);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> kafka.history().size() == 2);
        kafka.completeNext();
        kafka.errorNext(new KafkaException("gone"));

        assertThat(kafka.history()).extracting(r -> r.value()).containsExactly(NIGHTLY, null);
        kafka.sendException = new KafkaException("closed");
        publisher.restore(NIGHTLY.key(), null);
        publisher.close();
        assertThat(kafka.history()).hasSizeLessThanOrEqualTo(3);
    }
}
