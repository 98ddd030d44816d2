package io.taskstream.worker.execution;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import io.taskstream.schemas.JsonSerde;

/**
 * One Kafka value serializer for every wire document the worker writes ({@code TaskEvent},
 * {@code AttemptResult}), so one idempotent producer serves both topics. Each document goes through
 * its own {@link JsonSerde}, which adds the {@code ts-schema} header.
 */
public final class WireDocumentSerializer implements Serializer<Object> {

    /** Written from the producer's caller threads; one serializer per document class. */
    private final Map<Class<?>, Serializer<Object>> byType = new ConcurrentHashMap<>();

    @Override
    public byte[] serialize(String topic, Object data) {
        return data == null ? null : serializerFor(data).serialize(topic, data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object data) {
        return data == null ? null : serializerFor(data).serialize(topic, headers, data);
    }

    @SuppressWarnings("unchecked")
    private Serializer<Object> serializerFor(Object data) {
        // JsonSerde.of rejects classes that are not wire documents
        return byType.computeIfAbsent(data.getClass(),
                type -> (Serializer<Object>) JsonSerde.of(type).serializer());
    }
}
