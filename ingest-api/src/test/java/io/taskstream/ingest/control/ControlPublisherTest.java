package io.taskstream.ingest.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.schemas.ControlCommand;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.Topics;

class ControlPublisherTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final MockProducer<String, ControlCommand> producer = new MockProducer<>(false, null,
            new StringSerializer(), JsonSerde.of(ControlCommand.class).serializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ControlPublisher publisher = new ControlPublisher(
            new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), Topics.withDefaultPrefix(),
            Duration.ofMillis(300), Duration.ofSeconds(7), meters);

    private static ControlCommand command(ControlCommand.Kind kind) {
        return new ControlCommand(UUID.randomUUID(), "acme", kind,
                kind == ControlCommand.Kind.REPRIORITIZE ? Priority.HIGH : null, NOW, "key-1");
    }

    private void awaitSent(int records) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> producer.history().size() >= records);
    }

    private double acknowledged(String kind) {
        var counter = meters.find("taskstream.ingest.control.commands").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void returnsOnlyOnceKafkaAcknowledgedTheCommandKeyedByTaskId() throws Exception {
        ControlCommand cancel = command(ControlCommand.Kind.CANCEL);
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> publisher.publish(cancel, TRACEPARENT));
        awaitSent(1);
        assertThat(publishing).isNotDone();

        producer.completeNext();

        publishing.get(5, TimeUnit.SECONDS);
        ProducerRecord<String, ControlCommand> record = producer.history().getFirst();
        assertThat(record.topic()).isEqualTo("taskstream.control");
        assertThat(record.key()).isEqualTo(cancel.taskId().toString());
        assertThat(record.value()).isEqualTo(cancel);
        assertThat(new String(record.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                .isEqualTo(TRACEPARENT);
        assertThat(acknowledged("CANCEL")).isEqualTo(1.0);
    }

    @Test
    void aRejectedOrUnansweredCommandIsADependencyProblem() {
        CompletableFuture<Void> rejected = CompletableFuture.runAsync(
                () -> publisher.publish(command(ControlCommand.Kind.REPLAY), null));
        awaitSent(1);
        producer.errorNext(new NotEnoughReplicasException("isr too small"));

        assertUnavailable(rejected);
        assertUnavailable(CompletableFuture.runAsync(() -> publisher.publish(command(ControlCommand.Kind.REPLAY),
                null)));
        assertThat(acknowledged("REPLAY")).isZero();
    }

    @Test
    void aProducerThatCannotSendIsADependencyProblemWithRetryAfter() {
        producer.sendException = new TimeoutException("no metadata after 1000 ms");

        assertThatThrownBy(() -> publisher.publish(command(ControlCommand.Kind.REPRIORITIZE), null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                });
    }

    @Test
    void publishingManyAnswersTheAcknowledgedOnesInOrder() throws Exception {
        List<ControlCommand> commands = List.of(command(ControlCommand.Kind.REPLAY),
                command(ControlCommand.Kind.REPLAY), command(ControlCommand.Kind.REPLAY));
        CompletableFuture<List<UUID>> publishing = CompletableFuture.supplyAsync(() -> publisher.publishAll(commands));
        awaitSent(3);

        producer.completeNext();
        producer.errorNext(new NotEnoughReplicasException("isr too small"));
        producer.completeNext();

        assertThat(publishing.get(5, TimeUnit.SECONDS))
                .containsExactly(commands.get(0).taskId(), commands.get(2).taskId());
        assertThat(acknowledged("REPLAY")).isEqualTo(2.0);
    }

    @Test
    void publishingManyStopsAtTheFirstSendThatFailsOutright() {
        producer.sendException = new TimeoutException("no metadata after 1000 ms");

        assertThat(publisher.publishAll(List.of(command(ControlCommand.Kind.REPLAY),
                command(ControlCommand.Kind.REPLAY)))).isEmpty();
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void publishingManyWaitsAtMostTheAckTimeoutForAll() {
        long start = System.nanoTime();

        List<UUID> acknowledged = publisher.publishAll(java.util.stream.Stream.generate(
                () -> command(ControlCommand.Kind.REPLAY)).limit(5).toList());

        assertThat(acknowledged).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("one shared 300 ms deadline, not 5 × 300 ms")
                .isLessThan(Duration.ofMillis(1200));
    }

    private static void assertUnavailable(CompletableFuture<Void> publishing) {
        assertThat(publishing).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
}
