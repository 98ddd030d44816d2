package io.taskstream.worker.cancellation;

import java.util.UUID;

/**
 * Where the worker looks up whether a task was cancelled. In production the API's flag in Redis
 * ({@link RedisCancellationFlags}); tests use an in-memory one.
 *
 * <p>An implementation only reads. What a failed read means (the worker counts it and carries on
 * as if the task were not cancelled) is decided in one place, {@link CancellationCheck}.
 */
@FunctionalInterface
public interface CancellationFlags {

    /**
     * Whether someone asked to cancel the task.
     *
     * @throws RuntimeException if the flag cannot be read (store unreachable, too slow)
     */
    boolean isCancelled(UUID taskId);
}
