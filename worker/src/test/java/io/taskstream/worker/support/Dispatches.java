package io.taskstream.worker.support;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.taskstream.schemas.Json;
import io.taskstream.schemas.Priority;
import io.taskstream.schemas.TaskDispatch;

/** Dispatches as the scheduler would write them. */
public final class Dispatches {

    public static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    /** The deadline of these dispatches: it never passes, so they run on any clock (ITs use the real one). */
    public static final Instant NO_DEADLINE = Instant.parse("2100-01-01T00:00:00Z");

    private Dispatches() {
    }

    public static TaskDispatch dispatch(String type, Object payload) {
        return dispatch(UUID.randomUUID(), type, payload, 1, 4, 7);
    }

    /** A first attempt of a new task with that priority and ordering key (null: none). */
    public static TaskDispatch dispatch(String type, Object payload, Priority priority, String orderingKey) {
        return new TaskDispatch(UUID.randomUUID(), "acme", type, Json.mapper().valueToTree(payload), priority, 1, 4,
                Duration.ofMinutes(5), orderingKey, Map.of("team", "billing"), null, false, T0, T0,
                NO_DEADLINE, 7);
    }

    public static TaskDispatch dispatch(UUID taskId, String type, Object payload, int attempt, int maxAttempts,
                                        long eventVersion) {
        return new TaskDispatch(taskId, "acme", type, Json.mapper().valueToTree(payload), Priority.NORMAL, attempt,
                maxAttempts, Duration.ofMinutes(5), null, Map.of("team", "billing"), null, false, T0, T0,
                NO_DEADLINE, eventVersion);
    }

    /** {@code dispatch} as the scheduler passes on an encrypted task: its payload sealed by {@code cipher}. */
    public static TaskDispatch encrypted(TaskDispatch d, io.taskstream.schemas.crypto.PayloadCipher cipher) {
        return new TaskDispatch(d.taskId(), d.tenantId(), d.type(), cipher.encrypt(d.payload(),
                io.taskstream.schemas.crypto.PayloadCipher.payloadAad(d.tenantId(), d.taskId())), d.priority(),
                d.attempt(), d.maxAttempts(), d.timeout(), d.orderingKey(), d.labels(), d.scheduleId(), true,
                d.createdAt(), d.dispatchedAt(), d.deadline(), d.eventVersion());
    }
}
