package io.taskstream.ingest.admission;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;
import io.taskstream.ingest.tasks.Admission;
import io.taskstream.schemas.Priority;

/**
 * Admission control by queue depth (CONTRACT.md §2, "Limits"): a new task of a priority is refused with
 * {@code 503 queue_full} (and {@code Retry-After}) while that priority's depth ({@link QueueDepths}) is
 * at or above its limit ({@code taskstream.ingest.queue-limits}), so that the queue holds about
 * {@code limit} tasks at most.
 * <p>
 * The depth is the last background reading, up to {@code queue-depth-refresh} old: a burst can overshoot
 * the limit by what arrives in that time. While the depth is unknown (Kafka's Admin API does not answer)
 * every task is admitted — the submission then fails fast on its own if Kafka is really unavailable.
 * The limit is global per priority, not per tenant: one tenant filling a queue makes the others wait
 * too (per-tenant fairness is the rate limiter's job).
 * Refusals are counted in {@code tasks_rejected_total{reason="queue_full"}} ({@link Rejections}); the
 * priority that was full shows in {@code queue_depth{priority}}.
 */
public final class QueueAdmission implements Admission {


    private final QueueDepths depths;
    private final Map<Priority, Integer> limits;
    private final Duration retryAfter;
    private final Counter rejections;

    public QueueAdmission(QueueDepths depths, Map<Priority, Integer> limits, Duration retryAfter,
            MeterRegistry meters) {
        this.depths = depths;
        this.limits = new EnumMap<>(limits);
        this.retryAfter = retryAfter;
        this.rejections = Rejections.counter(meters, Rejections.QUEUE_FULL);
        for (Priority priority : Priority.values()) {
            if (!this.limits.containsKey(priority)) {
                throw new IllegalArgumentException("no queue limit for " + priority);
            }
        }
    }

    @Override
    public void admit(String tenantId, Priority priority) {
        OptionalLong depth = depths.current().depth(priority);
        int limit = limits.get(priority);
        if (depth.isPresent() && depth.getAsLong() >= limit) {
            rejections.increment();
            throw new ApiException(ErrorCode.QUEUE_FULL, "the " + priority + " queue is full: " + depth.getAsLong()
                    + " tasks are waiting for a worker (limit " + limit + "); retry later", List.of(), retryAfter,
                    null);
        }
    }
}
