package io.taskstream.worker.execution;

import static io.taskstream.worker.support.Dispatches.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.mock.MockProducerFactory;

import io.taskstream.schemas.AttemptOutcome;
import io.taskstream.schemas.AttemptResult;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.TaskEvent;
import io.taskstream.schemas.TaskStatus;
import io.taskstream.schemas.Topics;

class KafkaAttemptReporterTest {

    final MockProducer<String, Object> producer =
            new MockProducer<>(false, null, new StringSerializer(), new WireDocumentSerializer());
    final KafkaAttemptReporter reporter =
            new KafkaAttemptReporter(new MockProducerFactory<>(() -> producer), new Topics("t."));
    final UUID taskId = UUID.randomUUID();

    @Test
    void processingEventsGoToEventsKeyedByTaskId() {
        TaskEvent event = TaskEvent.statusChange(taskId, "acme", 3, TaskStatus.PROCESSING, T0, 1);

        CompletableFuture<Void> acked = reporter.started(event);

        ProducerRecord<String, Object> sent = producer.history().getFirst();
        assertThat(sent.topic()).isEqualTo("t.events");
        assertThat(sent.key()).isEqualTo(taskId.toString());
        assertThat(acked).isNotDone();
        producer.completeNext();
        assertThat(acked).isCompleted();
    }

    @Test
    void resultsGoToResultsKeyedByTaskIdAndAreDoneOnlyWhenAcknowledged() {
        AttemptResult result = new AttemptResult(taskId, "acme", 1, 0, "w", AttemptOutcome.COMPLETED, null, null,
                T0, T0);

        CompletableFuture<Void> acked = reporter.finished(result);

        ProducerRecord<String, Object> sent = producer.history().getFirst();
        assertThat(sent.topic()).isEqualTo("t.results");
        assertThat(sent.key()).isEqualTo(taskId.toString());
        producer.errorNext(new RuntimeException("not enough replicas"));
        assertThat(acked).isCompletedExceptionally();
    }

    @Test
    void theSerializerWritesEachDocumentWithItsOwnSerde() {
        AttemptResult result = new AttemptResult(taskId, "acme", 2, 0, "w", AttemptOutcome.COMPLETED, null, null,
                T0, T0);
        WireDocumentSerializer serializer = new WireDocumentSerializer();

        RecordHeaders headers = new RecordHeaders();
        byte[] bytes = serializer.serialize("t.results", headers, result);

        assertThat(new String(headers.lastHeader("ts-schema").value(), StandardCharsets.UTF_8))
                .isEqualTo("attempt-result/v1");
        assertThat(serializer.serialize("t.results", result)).isEqualTo(bytes);
        assertThat(JsonSerde.of(AttemptResult.class).deserializer().deserialize("t.results", bytes)).isEqualTo(result);
        assertThat(serializer.serialize("t.results", null)).isNull();
        assertThat(serializer.serialize("t.results", new RecordHeaders(),
                null)).isNull();
        assertThatThrownBy(() -> serializer.serialize("t.results", "not a document"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingClosesTheProducer() throws Exception {
        reporter.close();
    }
}
