package io.taskstream.ingest.dlq;

import java.util.List;
import java.util.UUID;

/** The answer of {@code POST /dlq:replay}: how many tasks were replayed, and which. */
public record BulkReplayResult(int replayed, List<UUID> taskIds) {

    public BulkReplayResult {
        taskIds = List.copyOf(taskIds);
    }
}
