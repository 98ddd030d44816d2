package io.taskstream.scheduler.admission;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.taskstream.schemas.TaskIds;

/**
 * Which id a submitted task gets: the record's {@code id}; else the record key when it is a
 * UUID (the contract keys submit topics by task id); else a name-based UUID of the record's
 * coordinates {@code <topic>/<partition>/<offset>}, so re-reading the same record (a restart
 * under at-least-once) gives the same id and the duplicate is dropped.
 */
public final class TaskIdResolver {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private TaskIdResolver() {
    }

    public static UUID resolve(UUID fromRecord, String key, Optional<RecordMetadata> metadata) {
        if (fromRecord != null) {
            return fromRecord;
        }
        if (key != null && UUID_TEXT.matcher(key).matches()) {
            return UUID.fromString(key);
        }
        return TaskIds.nameBased(coordinates(metadata));
    }

    /** {@code <topic>/<partition>/<offset>} of the record being processed. */
    public static String coordinates(Optional<RecordMetadata> metadata) {
        RecordMetadata m = metadata.orElseThrow(() -> new IllegalStateException("no record being processed"));
        return m.topic() + "/" + m.partition() + "/" + m.offset();
    }
}
