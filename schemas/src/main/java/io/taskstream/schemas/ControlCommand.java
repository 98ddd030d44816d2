package io.taskstream.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An operator's request about one task, on {@code control} (wire name {@code control-command/v1}).
 *
 * @param priority the new priority, for {@link Kind#REPRIORITIZE} only
 */
public record ControlCommand(UUID taskId, String tenantId, Kind kind, Priority priority, Instant requestedAt,
                             String requestedBy) {

    public enum Kind { CANCEL, REPRIORITIZE, REPLAY }

    public ControlCommand {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (kind == Kind.REPRIORITIZE && priority == null) {
            throw new IllegalArgumentException("REPRIORITIZE needs a priority");
        }
    }
}
