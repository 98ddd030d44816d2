package io.taskstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class JsonSerdeTest {

    private final JsonSerde<TaskEvent> serde = JsonSerde.of(TaskEvent.class);
    private final TaskEvent event = TaskEvent.statusChange(UUID.fromString("0190f3a2-7c4e-7abc-8def-0123456789ab"),
            "acme", 2, TaskStatus.PROCESSING, Instant.parse("2026-11-28T10:00:00.5Z"), 1);

    @Test
    void roundTripsAndStampsTheSchemaHeader() {
        RecordHeaders headers = new RecordHeaders();
        byte[] bytes = serde.serializer().serialize("t", headers, event);
        assertThat(new String(headers.lastHeader(Headers.SCHEMA).value(), StandardCharsets.UTF_8))
                .isEqualTo("task-event/v1");
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(event);
        // instants are ISO-8601 text, nulls are left out
        String json = new String(bytes, StandardCharsets.UTF_8);
        assertThat(json).contains("\"occurredAt\":\"2026-11-28T10:00:00.500Z\"").doesNotContain("null");
    }

    @Test
    void writingTwiceKeepsOneSchemaHeader() {
        RecordHeaders headers = new RecordHeaders();
        serde.serializer().serialize("t", headers, event);
        serde.serializer().serialize("t", headers, event);
        assertThat(headers.headers(Headers.SCHEMA)).hasSize(1);
    }

    @Test
    void nullsStayNull() {
        assertThat(serde.serializer().serialize("t", new RecordHeaders(), null)).isNull();
        assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void garbageIsASerializationException() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{oops".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("TaskEvent");
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    record Internal(String name, Instant at) {
    }

    @Test
    void internalValuesRoundTripWithoutASchemaHeader() {
        JsonSerde<Internal> internal = JsonSerde.internal(Internal.class);
        RecordHeaders headers = new RecordHeaders();
        Internal value = new Internal("x", Instant.parse("2026-11-28T10:00:00Z"));
        byte[] bytes = internal.serializer().serialize("t", headers, value);
        assertThat(headers.lastHeader(Headers.SCHEMA)).isNull();
        assertThat(internal.deserializer().deserialize("t", bytes)).isEqualTo(value);
    }
}
