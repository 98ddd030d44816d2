package io.taskstream.ingest.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.schemas.DeadLetter;
import io.taskstream.schemas.JsonSerde;
import io.taskstream.schemas.SchemaValidator;

class DeadLetterListenerTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private final List<List<DeadLetter>> applied = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeadLetterProjection projection = new DeadLetterProjection(null, null, meters) {
        @Override
        public void apply(List<DeadLetter> letters) {
            applied.add(letters);
        }
    };
    private final DeadLetterListener listener = new DeadLetterListener(projection, SchemaValidator.load(), meters);

    private static ConsumerRecord<String, byte[]> record(long offset, byte[] value) {
        return new ConsumerRecord<>("taskstream.dlq", 0, offset, "key", value);
    }

    private static byte[] bytes(DeadLetter letter) {
        return JsonSerde.of(DeadLetter.class).serializer().serialize("taskstream.dlq", letter);
    }

    private double count(String outcome) {
        return meters.get("taskstream.dlq.records").tag("outcome", outcome).counter().count();
    }

    @Test
    void deadLettersOfTasksAreAppliedTogetherAndTheRestOnlyCounted() {
        DeadLetter first = new DeadLetter(UUID.randomUUID(), "acme", "non_retryable", "no_handler", T0, null, null,
                null);
        DeadLetter second = new DeadLetter(UUID.randomUUID(), "acme", "attempts_exhausted", null, T0, null, null,
                null);
        DeadLetter withoutTask = new DeadLetter(null, null, "unreadable_record", "not JSON", T0, null, null,
                new DeadLetter.SourceRecord("taskstream.submit.low", 0, 9, "k", "eA==", "base64"));

        listener.onMessage(List.of(
                record(0, bytes(first)),
                record(1, bytes(withoutTask)),
                record(2, "not json".getBytes(StandardCharsets.UTF_8)),
                record(3, "{\"taskId\": \"x\", \"tenantId\": \"acme\"}".getBytes(StandardCharsets.UTF_8)),
                record(4, null),
                record(5, bytes(second))));

        assertThat(applied).singleElement().satisfies(letters ->
                assertThat(letters).extracting(DeadLetter::taskId).containsExactly(first.taskId(), second.taskId()));
        assertThat(count("without_task")).isEqualTo(1.0);
        assertThat(count("unreadable")).isEqualTo(2.0);
    }
}
