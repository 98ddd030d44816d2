package io.taskstream.schemas;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import tools.jackson.core.JacksonException;

/**
 * Kafka serde for a wire document ({@link #of}; serializing adds the {@code ts-schema} header), or
 * for a service's own JSON state on its changelog topics ({@link #internal}; not part of the wire
 * contract, so no header — JSON so a changelog can be read with any console consumer). Deserializing
 * trusts the producer (internal topics are written by Taskstream itself) and throws a
 * {@link SerializationException} on garbage, for Kafka's deserialization-error handlers to route;
 * untrusted input (the submit topics) is read with {@link WireCodec} instead.
 */
public final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;
    private final byte[] schemaHeader;

    private JsonSerde(Class<T> type, byte[] schemaHeader) {
        this.type = type;
        this.schemaHeader = schemaHeader;
    }

    /** For a wire document of the contract. */
    public static <T> JsonSerde<T> of(Class<T> type) {
        return new JsonSerde<>(type, Document.of(type).header().getBytes(StandardCharsets.UTF_8));
    }

    /** For a type that never leaves its service (e.g. state-store values): no {@code ts-schema} header. */
    public static <T> JsonSerde<T> internal(Class<T> type) {
        return new JsonSerde<>(type, null);
    }

    @Override
    public Serializer<T> serializer() {
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, T data) {
                return data == null ? null : Json.mapper().writeValueAsBytes(data);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, T data) {
                if (data != null && headers != null && schemaHeader != null) {
                    headers.remove(io.taskstream.schemas.Headers.SCHEMA);
                    headers.add(io.taskstream.schemas.Headers.SCHEMA, schemaHeader);
                }
                return serialize(topic, data);
            }
        };
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
