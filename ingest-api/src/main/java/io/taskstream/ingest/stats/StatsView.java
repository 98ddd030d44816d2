package io.taskstream.ingest.stats;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /stats} answers (see {@link TaskStats}).
 *
 * @param tenantId             whose tasks {@code countsByStatus} and {@code perMinute} count
 * @param generatedAt          when the tenant's figures were read from the database (they may be up to
 *                             {@code taskstream.ingest.stats-max-age} old)
 * @param countsByStatus       the tenant's tasks per status, every status present (0 when none)
 * @param queueDepth           tasks waiting for a worker per priority, across all tenants (the ready
 *                             topics are shared); every priority present, {@code null} while unknown
 * @param queueDepthObservedAt when the queue depths were read from Kafka; null while unknown
 * @param perMinute            the last {@value TaskStats#MINUTES} minutes, oldest first, the last one
 *                             being the current minute so far
 */
public record StatsView(String tenantId, Instant generatedAt, Map<String, Long> countsByStatus,
                        Map<String, Long> queueDepth, Instant queueDepthObservedAt, List<Minute> perMinute) {

    /**
     * The tenant's tasks that finished in one minute ({@code finishedAt} in {@code [minute, minute + 1m)})
     * and hold that outcome now: a failed task that was replayed no longer counts as failed.
     */
    public record Minute(Instant minute, long completed, long failed) {
    }
}
