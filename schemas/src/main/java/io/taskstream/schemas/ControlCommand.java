package io.taskstream.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * An operator's request about one task, on {@code control} (wire name {@code control-command/v1}).
 *
 * <p>A {@code REPLAY} may carry what the scheduler needs to run the task again when it no longer
 * holds the task's state (it purges a finished task's state after its dedup window): the task's
 * {@code submission} and {@code lastVersion}, always together. The API fills them from its
 * dead-letter queue; see {@code docs/wire-conventions.md}, "Scheduling rules".
 *
 * @param priority    the new priority, for {@link Kind#REPRIORITIZE} only
 * @param submission  {@code REPLAY} only, optional: the task's submission as it was dead-lettered
 *                    (same task id and tenant as the command)
 * @param lastVersion {@code REPLAY} only, with {@code submission}: the task's version as the API's
 *                    projection holds it (its {@code FAILED} event's); the replay's events continue
 *                    after it, so the projection applies them
 */
public record ControlCommand(UUID taskId, String tenantId, Kind kind, Priority priority, Instant requestedAt,
                             String requestedBy, TaskSubmission submission, Long lastVersion) {

    public enum Kind { CANCEL, REPRIORITIZE, REPLAY }

    public ControlCommand {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (kind == Kind.REPRIORITIZE && priority == null) {
            throw new IllegalArgumentException("REPRIORITIZE needs a priority");
        }
        if ((submission == null) != (lastVersion == null)) {
            throw new IllegalArgumentException("submission and lastVersion come together");
        }
        if (submission != null) {
            if (kind != Kind.REPLAY) {
                throw new IllegalArgumentException("only REPLAY carries a submission");
            }
            if (!taskId.equals(submission.id()) || !tenantId.equals(submission.tenantId())) {
                throw new IllegalArgumentException("submission must be task " + taskId + " of tenant " + tenantId);
            }
            if (lastVersion < 0) {
                throw new IllegalArgumentException("lastVersion must not be negative");
            }
        }
    }

    /** A command without a carried submission (every {@code CANCEL} and {@code REPRIORITIZE}). */
    public ControlCommand(UUID taskId, String tenantId, Kind kind, Priority priority, Instant requestedAt,
                          String requestedBy) {
        this(taskId, tenantId, kind, priority, requestedAt, requestedBy, null, null);
    }

    /** A {@code REPLAY} that carries the task's {@code submission} and the projection's {@code lastVersion}. */
    public static ControlCommand replay(TaskSubmission submission, long lastVersion, Instant requestedAt,
                                        String requestedBy) {
        return new ControlCommand(submission.id(), submission.tenantId(), Kind.REPLAY, null, requestedAt,
                requestedBy, submission, lastVersion);
    }
}
