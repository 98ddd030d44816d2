package io.taskstream.ingest.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.Json;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskSubmission;
import io.taskstream.schemas.Topics;

class SubmissionPublisherTest {

    private final MockProducer<String, TaskSubmission> producer = new MockProducer<>(false, null,
            new StringSerializer(), JsonSerde.of(TaskSubmission.class).serializer());
    private final SubmissionPublisher publisher = new SubmissionPublisher(
            new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), Topics.withDefaultPrefix(),
            Duration.ofMillis(300), Duration.ofSeconds(7));
    private final TaskSubmission submission = new TaskSubmission(UUID.randomUUID(), "acme", "a",
            Json.mapper().createObjectNode(), Priority.LOW, null, null, null, null, null, null, null, null, null, null,
            Instant.parse("2026-11-28T10:00:00Z"));
    private final TraceContext trace =
            TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").orElseThrow();

    private CompletableFuture<Void> publishInBackground() {
        return CompletableFuture.runAsync(() -> publisher.publish(submission, trace));
    }

    private void awaitSent() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !producer.history().isEmpty());
    }

    @Test
    void returnsOnlyOnceKafkaAcknowledged() throws Exception {
        CompletableFuture<Void> publishing = publishInBackground();
        awaitSent();
        assertThat(publishing).isNotDone();

        producer.completeNext();

        publishing.get(5, TimeUnit.SECONDS);
        ProducerRecord<String, TaskSubmission> record = producer.history().getFirst();
        assertThat(record.topic()).isEqualTo("taskstream.submit.low");
        assertThat(record.key()).isEqualTo(submission.id().toString());
        assertThat(record.value()).isEqualTo(submission);
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .isEqualTo(trace.traceparent());
    }

    @Test
    void aRejectedWriteIsADependencyProblem() {
        CompletableFuture<Void> publishing = publishInBackground();
        awaitSent();

        producer.errorNext(new NotEnoughReplicasException("isr too small"));

        assertThat(publishing).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingRootCause().isInstanceOf(NotEnoughReplicasException.class);
        assertUnavailable(publishing);
    }

    @Test
    void noAcknowledgementInTimeIsADependencyProblem() {
        CompletableFuture<Void> publishing = publishInBackground();

        assertUnavailable(publishing);
    }

    @Test
    void aProducerThatCannotSendIsADependencyProblem() {
        producer.sendException = new TimeoutException("no metadata after 1000 ms");

        assertThatThrownBy(() -> publisher.publish(submission, null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                });
    }

    private static void assertUnavailable(CompletableFuture<Void> publishing) {
        assertThat(publishing).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
}
