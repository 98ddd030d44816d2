package io.taskstream.scheduler.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

import io.taskstream.schemas.Backoff;
import io.taskstream.schemas.TaskSubmission;

/**
 * How long a task waits after a failed attempt before its next one. Whether there is a next one
 * at all (attempts left, a retryable error, no cancel requested) is the lifecycle's decision, not
 * the policy's.
 *
 * <p>The default, {@link #backoff}, is the contract's: the task's own {@link Backoff} (else the
 * deployment's; a field the task leaves out is the deployment's too),
 * {@code min(max, initial × multiplier^(attempt-1))} spread by ± {@code jitter}.
 * With the contract's default (1 s × 2 up to 5 min, ± 20 %) the waits after attempts 1, 2, 3 are
 * 0.8–1.2 s, 1.6–2.4 s and 3.2–4.8 s.
 */
@FunctionalInterface
public interface RetryPolicy {

    /** The wait after failed attempt {@code attempt} (1-based) of {@code task}; never negative. */
    Duration nextDelay(TaskSubmission task, int attempt);

    /**
     * The task's backoff completed from {@code fallback} (or {@code fallback} when the task has
     * none), with jitter drawn from {@code random}. The
     * generator is shared by every stream thread, so it must be thread-safe ({@link java.util.Random}
     * is); tests pass a seeded one.
     */
    static RetryPolicy backoff(Backoff fallback, RandomGenerator random) {
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(random, "random");
        return (task, attempt) -> task.backoffOr(fallback).delayAfter(attempt, random.nextDouble());
    }
}
