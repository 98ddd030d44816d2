package io.taskstream.scheduler.output;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.taskstream.schemas.DeadLetter;

/** Builds the {@link DeadLetter}s of records that could not be used, with their raw bytes. */
public final class DeadLetters {

    /**
     * Raw values longer than this are cut before they are copied into a dead letter, so that the
     * dead letter (Base64 grows a value by a third) still fits the broker's message size limit;
     * the source coordinates still point at the whole record.
     */
    public static final int MAX_VALUE_BYTES = 256 * 1024;

    private DeadLetters() {
    }

    /** A dead letter for a record that carries no usable task: only its source and raw value. */
    public static DeadLetter unreadable(String reason, String detail, DeadLetter.SourceRecord source, Instant now) {
        return new DeadLetter(null, null, reason, detail, now, null, null, source);
    }

    /**
     * Where a record came from, with its value as UTF-8 text when it is valid UTF-8, else
     * Base64; {@code metadata} is empty only outside record processing (never for a source record).
     */
    public static DeadLetter.SourceRecord source(Optional<RecordMetadata> metadata, String key, byte[] value) {
        String topic = metadata.map(RecordMetadata::topic).orElse(null);
        int partition = metadata.map(RecordMetadata::partition).orElse(0);
        long offset = metadata.map(RecordMetadata::offset).orElse(0L);
        if (value == null) {
            return new DeadLetter.SourceRecord(topic, partition, offset, key, null, null);
        }
        byte[] kept = value.length > MAX_VALUE_BYTES ? Arrays.copyOf(value, MAX_VALUE_BYTES) : value;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(kept))
                    .toString();
            return new DeadLetter.SourceRecord(topic, partition, offset, key, text, "utf-8");
        } catch (CharacterCodingException e) {
            return new DeadLetter.SourceRecord(topic, partition, offset, key,
                    Base64.getEncoder().encodeToString(kept), "base64");
        }
    }
}
