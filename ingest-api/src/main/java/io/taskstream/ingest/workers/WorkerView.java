package io.taskstream.ingest.workers;

import java.time.Instant;
import java.util.List;

import io.taskstream.schemas.Priority;
import io.taskstream.schemas.WorkerHeartbeat;

/**
 * A worker as {@code GET /api/v1/workers} shows it: its latest heartbeat and the status judged from
 * it ({@link WorkerHealth}).
 *
 * @param id                 the worker id (what executions show as {@code workerId})
 * @param status             {@code HEALTHY}, {@code DEGRADED} or {@code UNHEALTHY}
 * @param reasons            why it is not {@code HEALTHY} (empty when it is)
 * @param consumer           {@code running} or {@code stopped}: its poll loop
 * @param heartbeatInterval  how often it beats (ISO-8601 duration)
 * @param lastInterval       attempts that ended in the interval before {@code lastHeartbeatAt}, by outcome
 * @param stuckSlots         attempts abandoned at their timeout within the last few minutes
 * @param restarts           poll-loop restarts by the worker's supervisor since it started
 */
public record WorkerView(
        String id,
        String host,
        String groupId,
        WorkerStatus status,
        List<String> reasons,
        String version,
        List<String> priorities,
        Slots slots,
        String consumer,
        Instant startedAt,
        Instant lastHeartbeatAt,
        String heartbeatInterval,
        Attempts lastInterval,
        long stuckSlots,
        long restarts) {

    public record Slots(int busy, int total) {
    }

    public record Attempts(long completed, long failed, long timedOut, long cancelled) {
    }

    static WorkerView of(WorkerHeartbeat h, WorkerHealth.Assessment assessment) {
        WorkerHeartbeat.Identity worker = h.identity();
        return new WorkerView(worker.workerId(), worker.host(), worker.groupId(), assessment.status(),
                assessment.reasons(), worker.version(), worker.priorities().stream().map(Priority::name).toList(),
                new Slots(h.slotsBusy(), h.slotsTotal()), h.consumerRunning() ? "running" : "stopped", h.startedAt(),
                h.lastHeartbeatAt(), h.interval().toString(),
                new Attempts(h.completed(), h.failed(), h.timedOut(), h.cancelled()), h.stuck(), h.restarts());
    }
}
