package io.taskstream.worker.handler;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Everything a {@link TaskHandler} knows about the attempt it runs. Immutable except for
 * {@link #isCancelled()}, which may turn {@code true} while the handler runs.
 *
 * <p>Handler tests build one with {@link #builder(String)}:
 * <pre>{@code
 * TaskContext ctx = TaskContext.builder("email.send").payload(json).attempt(2).build();
 * }</pre>
 */
public final class TaskContext {

    private final UUID taskId;
    private final String tenantId;
    private final String type;
    private final Priority priority;
    private final int attempt;
    private final int maxAttempts;
    private final JsonNode payload;
    private final Map<String, String> labels;
    private final BooleanSupplier cancelled;

    private TaskContext(Builder b) {
        this.taskId = Objects.requireNonNull(b.taskId, "taskId");
        this.tenantId = Objects.requireNonNull(b.tenantId, "tenantId");
        this.type = Objects.requireNonNull(b.type, "type");
        this.priority = Objects.requireNonNull(b.priority, "priority");
        if (b.attempt < 1 || b.attempt > b.maxAttempts) {
            throw new IllegalArgumentException("attempt must be between 1 and maxAttempts");
        }
        this.attempt = b.attempt;
        this.maxAttempts = b.maxAttempts;
        this.payload = b.payload == null ? JsonNodeFactory.instance.objectNode() : b.payload;
        this.labels = b.labels == null ? Map.of() : Map.copyOf(b.labels);
        this.cancelled = Objects.requireNonNull(b.cancelled, "cancelled");
    }

    public static Builder builder(String type) {
        return new Builder(type);
    }

    public UUID taskId() {
        return taskId;
    }

    public String tenantId() {
        return tenantId;
    }

    public String type() {
        return type;
    }

    public Priority priority() {
        return priority;
    }

    /** The 1-based number of this attempt; {@code attempt - 1} earlier attempts failed or timed out. */
    public int attempt() {
        return attempt;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** The task's payload, a JSON object (empty when the task has none). */
    public JsonNode payload() {
        return payload;
    }

    /**
     * The payload bound to {@code type} with the wire mapper (unknown fields are ignored).
     *
     * @throws NonRetryableException if the payload does not fit {@code type}: retrying the same
     *                               payload cannot help
     */
    public <T> T payloadAs(Class<T> type) {
        try {
            return Json.mapper().treeToValue(payload, type);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new NonRetryableException("payload of task " + taskId + " is not a valid "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public Map<String, String> labels() {
        return labels;
    }

    /**
     * Whether someone asked to cancel this task ({@code DELETE /tasks/{id}}). A long-running handler
     * should check it between steps and return {@link HandlerResult#cancelled(String)}; the attempt
     * then ends {@code CANCELLED} and the task is not retried.
     *
     * <p>Cheap enough for a loop: the worker re-reads the task's cancel flag at most once per
     * {@code taskstream.worker.cancel-check-interval} (500 ms by default). Once {@code true}, it stays
     * {@code true}. A flag the worker cannot read (Redis down) counts as not set.
     */
    public boolean isCancelled() {
        return cancelled.getAsBoolean();
    }

    /** For log lines: identifies the attempt, never prints the payload. */
    @Override
    public String toString() {
        return "TaskContext[taskId=" + taskId + ", tenant=" + tenantId + ", type=" + type
                + ", attempt=" + attempt + "/" + maxAttempts + "]";
    }

    /** Builds a {@link TaskContext}; only the type is required (handy in handler tests). */
    public static final class Builder {
        private UUID taskId = UUID.randomUUID();
        private String tenantId = "default";
        private final String type;
        private Priority priority = Priority.NORMAL;
        private int attempt = 1;
        private int maxAttempts = 4;
        private JsonNode payload;
        private Map<String, String> labels;
        private BooleanSupplier cancelled = () -> false;

        private Builder(String type) {
            this.type = type;
        }

        public Builder taskId(UUID taskId) {
            this.taskId = taskId;
            return this;
        }

        public Builder tenantId(String tenantId) {
            this.tenantId = tenantId;
            return this;
        }

        public Builder priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        /** Sets the attempt number; raises {@code maxAttempts} to it if needed. */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            this.maxAttempts = Math.max(maxAttempts, attempt);
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder payload(JsonNode payload) {
            this.payload = payload;
            return this;
        }

        /** The payload from any value Jackson can turn into a JSON object (a {@code Map}, a record …). */
        public Builder payload(Object payload) {
            this.payload = payload instanceof JsonNode node ? node : Json.mapper().valueToTree(payload);
            return this;
        }

        public Builder labels(Map<String, String> labels) {
            this.labels = labels;
            return this;
        }

        public Builder cancelled(BooleanSupplier cancelled) {
            this.cancelled = cancelled;
            return this;
        }

        public TaskContext build() {
            return new TaskContext(this);
        }
    }
}
