package io.taskstream.worker.handler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskProgress;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Everything a {@link TaskHandler} knows about the attempt it runs, and the one thing it can tell
 * while it runs: its {@link #progress(int, String) progress}. Immutable except for
 * {@link #isCancelled()}, which may turn {@code true} while the handler runs.
 *
 * <p>Handler tests build one with {@link #builder(String)}:
 * <pre>{@code
 * TaskContext ctx = TaskContext.builder("email.send").payload(json).attempt(2).build();
 * }</pre>
 */
public final class TaskContext {

    /** The least time between two progress reports of an attempt that are passed on. */
    public static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

    private final UUID taskId;
    private final String tenantId;
    private final String type;
    private final Priority priority;
    private final int attempt;
    private final int maxAttempts;
    private final JsonNode payload;
    private final Map<String, String> labels;
    private final BooleanSupplier cancelled;
    private final ProgressSink progressSink;
    private final Clock clock;
    private final Duration progressInterval;
    private final boolean encrypted;
    /** When the last report was passed on; null before the first. Compare-and-set: one report per interval. */
    private final AtomicReference<Instant> progressPassedAt = new AtomicReference<>();

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
        this.progressSink = Objects.requireNonNull(b.progressSink, "progressSink");
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.progressInterval = Objects.requireNonNull(b.progressInterval, "progressInterval");
        this.encrypted = b.encrypted;
        if (progressInterval.isNegative()) {
            throw new IllegalArgumentException("progressInterval must not be negative");
        }
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
     * Whether the task was submitted with {@code "encrypt": true}: its {@link #payload()} was decrypted
     * just before this call and the result is encrypted after it. Such a payload must not be logged,
     * nor copied into failure messages or progress messages, which are stored in clear.
     */
    public boolean isEncrypted() {
        return encrypted;
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

    /** {@link #progress(int, String)} without a message. */
    public void progress(int percent) {
        progress(percent, null);
    }

    /**
     * Reports how far this attempt has got; the task view shows it while the task is
     * {@code PROCESSING} ({@code "progress": {"percent", "message", "updatedAt"}}).
     *
     * <p>Cheap enough for a hot loop: at most one report per {@link #PROGRESS_INTERVAL} (1 s) is
     * passed on, the first at once; the ones in between are dropped, not queued, and so may be the
     * last one before the handler returns (the result tells the rest). Reporting is best effort and
     * never fails the attempt: a report the worker cannot send is lost.
     *
     * @param percent 0 to 100; it may go down as well as up
     * @param message what the handler is doing, optional; cut to
     *                {@value TaskProgress#MAX_MESSAGE_LENGTH} characters
     * @throws IllegalArgumentException if {@code percent} is not between 0 and 100 (also when the
     *                                  report would have been dropped)
     */
    public void progress(int percent, String message) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("progress percent must be between 0 and 100 (was " + percent + ")");
        }
        Instant now = clock.instant();
        Instant passed = progressPassedAt.get();
        if (passed != null && !now.isBefore(passed) && now.isBefore(passed.plus(progressInterval))) {
            return;
        }
        // a clock that went backwards (wall-clock adjustment) must not silence the reports, hence isBefore above
        if (progressPassedAt.compareAndSet(passed, now)) {
            progressSink.report(new TaskProgress(percent, bounded(message), now));
        }
    }

    /** At most the wire's limit, never splitting a surrogate pair. */
    private static String bounded(String message) {
        if (message == null || message.length() <= TaskProgress.MAX_MESSAGE_LENGTH) {
            return message;
        }
        int end = TaskProgress.MAX_MESSAGE_LENGTH;
        if (Character.isHighSurrogate(message.charAt(end - 1))) {
            end--;
        }
        return message.substring(0, end);
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
        private ProgressSink progressSink = ProgressSink.NONE;
        private Clock clock = Clock.systemUTC();
        private Duration progressInterval = PROGRESS_INTERVAL;
        private boolean encrypted;

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

        /** Where {@link TaskContext#progress(int, String)} sends the reports it passes on (default: nowhere). */
        public Builder progress(ProgressSink progressSink) {
            this.progressSink = progressSink;
            return this;
        }

        /** The clock that times progress reports (default: the system's, UTC). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The least time between two progress reports passed on (default {@link #PROGRESS_INTERVAL}). */
        public Builder progressInterval(Duration progressInterval) {
            this.progressInterval = progressInterval;
            return this;
        }

        /** Whether the task is encrypted (see {@link TaskContext#isEncrypted()}; default false). */
        public Builder encrypted(boolean encrypted) {
            this.encrypted = encrypted;
            return this;
        }

        public TaskContext build() {
            return new TaskContext(this);
        }
    }
}
