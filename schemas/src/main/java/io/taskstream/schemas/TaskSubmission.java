package io.taskstream.schemas;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * A request to run a task: what the API and direct producers write to {@code submit.<priority>}
 * (wire name {@code task-submission/v1}). Only {@code tenantId}, {@code type} and {@code payload}
 * are required; the compact constructor applies the documented defaults, so every instance is
 * complete and valid.
 *
 * @param id             the task id (UUIDv7); may be absent from a direct producer's record, in
 *                       which case the scheduler derives one from the record's coordinates
 * @param runAt          earliest start; exclusive with {@code delay}
 * @param delay          start no earlier than the acceptance time plus this; exclusive with {@code runAt}
 * @param backoff        retry backoff; absent (or any absent field of it) means the scheduler's
 *                       configured default ({@link Backoff#DEFAULT} unless configured), see {@link #backoffOr}
 * @param encrypt        true when {@code payload} is an encrypted envelope
 *                       ({@link io.taskstream.schemas.crypto.PayloadCipher}), bound to this task's tenant and
 *                       id; workers decrypt it before the handler and encrypt its result. Default false
 * @param createdAt      when the task was accepted; the scheduler fills it from the record time if absent
 */
public record TaskSubmission(
        UUID id,
        String tenantId,
        String type,
        JsonNode payload,
        Priority priority,
        Instant runAt,
        Duration delay,
        Integer maxAttempts,
        Duration timeout,
        Backoff backoff,
        String orderingKey,
        String idempotencyKey,
        Map<String, String> labels,
        Boolean encrypt,
        UUID scheduleId,
        Instant createdAt) {

    public static final Pattern TYPE_PATTERN = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final int MAX_ATTEMPTS_LIMIT = 50;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);

    public TaskSubmission {
        requireText(tenantId, "tenantId");
        requireText(type, "type");
        if (!TYPE_PATTERN.matcher(type).matches()) {
            throw new IllegalArgumentException("type must match " + TYPE_PATTERN.pattern());
        }
        if (payload == null || !payload.isObject()) {
            throw new IllegalArgumentException("payload must be a JSON object");
        }
        if (runAt != null && delay != null) {
            throw new IllegalArgumentException("runAt and delay are exclusive");
        }
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative");
        }
        priority = Objects.requireNonNullElse(priority, Priority.NORMAL);
        maxAttempts = Objects.requireNonNullElse(maxAttempts, DEFAULT_MAX_ATTEMPTS);
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("maxAttempts must be between 1 and " + MAX_ATTEMPTS_LIMIT);
        }
        timeout = Objects.requireNonNullElse(timeout, DEFAULT_TIMEOUT);
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be positive and at most PT24H");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        encrypt = Boolean.TRUE.equals(encrypt);
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
    }

    /** When the task becomes due, given the time it was accepted. */
    public Instant dueAt(Instant acceptedAt) {
        if (runAt != null) {
            return runAt;
        }
        return delay == null ? acceptedAt : acceptedAt.plus(delay);
    }

    /**
     * The task's own backoff, its absent fields taken from {@code fallback} (the deployment's
     * default, complete), or {@code fallback} itself when the task has none; see {@link Backoff#orElse}.
     */
    public Backoff backoffOr(Backoff fallback) {
        return backoff != null ? backoff.orElse(fallback) : fallback;
    }

    /** The key of the task on the ready topics: its ordering key, else its id. */
    public String dispatchKey() {
        return orderingKey != null ? orderingKey : String.valueOf(id);
    }

    public TaskSubmission withId(UUID newId) {
        return new TaskSubmission(newId, tenantId, type, payload, priority, runAt, delay, maxAttempts, timeout,
                backoff, orderingKey, idempotencyKey, labels, encrypt, scheduleId, createdAt);
    }

    public TaskSubmission withCreatedAt(Instant newCreatedAt) {
        return new TaskSubmission(id, tenantId, type, payload, priority, runAt, delay, maxAttempts, timeout,
                backoff, orderingKey, idempotencyKey, labels, encrypt, scheduleId, newCreatedAt);
    }

    public TaskSubmission withPriority(Priority newPriority) {
        return new TaskSubmission(id, tenantId, type, payload, newPriority, runAt, delay, maxAttempts, timeout,
                backoff, orderingKey, idempotencyKey, labels, encrypt, scheduleId, createdAt);
    }

    /**
     * This submission carrying {@code envelope} — its payload encrypted by
     * {@link io.taskstream.schemas.crypto.PayloadCipher#sealPayload} — in place of its payload, and
     * {@code encrypt = true}.
     */
    public TaskSubmission withEncryptedPayload(JsonNode envelope) {
        return new TaskSubmission(id, tenantId, type, envelope, priority, runAt, delay, maxAttempts, timeout,
                backoff, orderingKey, idempotencyKey, labels, true, scheduleId, createdAt);
    }
}
