package io.taskstream.scheduler.state;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.taskstream.schemas.Json;
import tools.jackson.core.JacksonException;

/**
 * JSON serde for the scheduler's own state values (changelog topics, not part of the wire
 * contract, so no {@code ts-schema} header). JSON rather than a binary format: a changelog record
 * can be read with any console consumer when something goes wrong, and unknown fields are
 * ignored so state written by a newer version still loads.
 */
public final class StateSerde<T> implements Serde<T> {

    private final Class<T> type;

    public StateSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : Json.mapper().writeValueAsBytes(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return Json.mapper().readValue(bytes, type);
            } catch (JacksonException | IllegalArgumentException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + " from " + topic, e);
            }
        };
    }
}
