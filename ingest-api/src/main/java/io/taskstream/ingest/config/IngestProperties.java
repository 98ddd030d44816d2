package io.taskstream.ingest.config;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.taskstream.schemas.Priority;

/**
 * Everything that tunes the ingest API, bound from {@code taskstream.ingest.*} (each also settable as
 * an environment variable, e.g. {@code TASKSTREAM_INGEST_MAX_PAYLOAD_BYTES}). Checked when the
 * application starts: a wrong value stops it with one message naming the property.
 *
 * @param adminKey                     the bootstrap admin key ({@code admin} scope, tenant {@code adminTenant}),
 *                                     {@code ts_<prefix>_<secret>} with a secret of 32+ letters and digits;
 *                                     from {@code TASKSTREAM_BOOTSTRAP_ADMIN_KEY} or {@code TASKSTREAM_ADMIN_KEY}.
 *                                     Stored (hashed) on the first start whose database has no key with its
 *                                     prefix; after that the stored key stands (revoke and rotate it like any
 *                                     other). Needed until the database holds an admin key: the API refuses to
 *                                     start without either. Never logged.
 * @param adminTenant                  the tenant the admin key acts for; tasks it submits belong to it
 * @param maxPayloadBytes              largest serialized {@code payload} a task may carry; a bigger one is
 *                                     answered {@code 413 payload_too_large}. The whole request body may
 *                                     be at most twice this plus 64 KiB (room for formatting and fields)
 * @param submitTimeout                how long a submission (or a control command: cancel, re-prioritise,
 *                                     replay) may wait for Kafka: for metadata ({@code max.block.ms}) and
 *                                     for the acknowledgement ({@code delivery.timeout.ms}); a submission
 *                                     answers {@code 503 dependency_unavailable} within this plus 250 ms. The
 *                                     default, 1.5 s, keeps a submission while Kafka is down under 2 s
 * @param retryAfter                   the {@code Retry-After} sent with a {@code 503} when a dependency is down
 * @param projectionGroupId            consumer group of the projection (events → Postgres); every API
 *                                     instance of one deployment shares it
 * @param projectionBatchSize          most events the projection applies in one database transaction
 *                                     ({@code max.poll.records})
 * @param projectionConcurrency        consumer threads of the projection in this instance (each owns some
 *                                     partitions of {@code events}); more than the partition count idle
 * @param partitionMonthsAhead         monthly partitions of {@code task_executions} kept ready beyond the
 *                                     current month; a row past the last one lands in the default partition
 *                                     until maintenance creates its month
 * @param partitionMaintenanceInterval how often the partitions are checked (and at start-up)
 * @param cancelFlagPrefix             Redis key prefix of the cancel flags ({@code <prefix><taskId>}) that
 *                                     {@code DELETE /tasks/{id}} sets and workers read; must equal the
 *                                     workers' setting, or a cancelled task's handler never learns of it
 * @param cancelFlagTtl                how long a cancel flag lives; a task dispatched after it expired runs
 *                                     although it was cancelled (the scheduler still ends it
 *                                     {@code CANCELLED} unless it completed)
 * @param dlqProjectionGroupId         consumer group of the dead-letter projection ({@code dlq} → Postgres);
 *                                     every API instance of one deployment shares it; must differ from
 *                                     {@code projectionGroupId}
 * @param workerGroupId                consumer group of the workers (their {@code taskstream.worker.group-id});
 *                                     its lag on {@code ready.<priority>} is the queue depth that admission
 *                                     control and {@code GET /stats} report. A wrong name finds no committed
 *                                     offsets, so every ready record counts as waiting and the queues look full
 * @param queueLimits                  per priority, the queue depth at which new tasks of that priority are
 *                                     refused ({@code 503 queue_full}); a priority not named keeps
 *                                     {@value #DEFAULT_QUEUE_LIMIT}. Set as {@code queue-limits.low=50000}
 * @param queueDepthRefresh            how often the queue depths are read from Kafka (in the background; a
 *                                     request uses the last value read, so admission lags the queues by
 *                                     about this much)
 * @param statsMaxAge                  how long {@code GET /stats} answers a tenant from its last reading of
 *                                     the database before it reads again
 * @param maxBatchSize                 most tasks in one {@code POST /tasks:batch}; more is
 *                                     {@code 400 validation_failed} for the whole request
 * @param maxBatchBodyBytes            largest {@code POST /tasks:batch} body read at all; a bigger one is
 *                                     {@code 413 payload_too_large} for the whole request (each task's
 *                                     {@code payload} is still limited by {@code maxPayloadBytes})
 * @param idempotencyTtl               how long Redis remembers an accepted idempotency key (the fast path);
 *                                     after it, a retry with the key is still answered from Postgres (the
 *                                     backstop), only more slowly
 * @param rywCacheMaxBytes             bound of the in-memory read-your-writes cache: accepted tasks whose
 *                                     {@code PENDING} row could not be written, weighed by their payload
 *                                     (plus 1 KiB each); the oldest go first when it is full
 * @param rywCacheTtl                  how long such a task stays in that cache; by then the projection has
 *                                     normally written its row
 * @param schedules                    the cron schedules' settings ({@code taskstream.ingest.schedules.*})
 */
@ConfigurationProperties("taskstream.ingest")
public record IngestProperties(
        String adminKey,
        @DefaultValue("default") String adminTenant,
        @DefaultValue("262144") int maxPayloadBytes,
        @DefaultValue("PT1.5S") Duration submitTimeout,
        @DefaultValue("PT5S") Duration retryAfter,
        @DefaultValue("taskstream-projection") String projectionGroupId,
        @DefaultValue("500") int projectionBatchSize,
        @DefaultValue("1") int projectionConcurrency,
        @DefaultValue("2") int partitionMonthsAhead,
        @DefaultValue("P1D") Duration partitionMaintenanceInterval,
        @DefaultValue("taskstream:cancel:") String cancelFlagPrefix,
        @DefaultValue("P7D") Duration cancelFlagTtl,
        @DefaultValue("taskstream-dlq-projection") String dlqProjectionGroupId,
        @DefaultValue("taskstream-workers") String workerGroupId,
        Map<Priority, Integer> queueLimits,
        @DefaultValue("PT1S") Duration queueDepthRefresh,
        @DefaultValue("PT2S") Duration statsMaxAge,
        @DefaultValue("1000") int maxBatchSize,
        @DefaultValue("10485760") long maxBatchBodyBytes,
        @DefaultValue("PT24H") Duration idempotencyTtl,
        @DefaultValue("33554432") long rywCacheMaxBytes,
        @DefaultValue("PT1H") Duration rywCacheTtl,
        @DefaultValue Schedules schedules) {

    /** The shortest secret of a bootstrap admin key; short secrets are guessable. */
    public static final int MIN_ADMIN_SECRET_LENGTH = 32;
    /** What a bootstrap admin key looks like: the API key format with a secret of 32+ characters. */
    public static final Pattern ADMIN_KEY_FORMAT =
            Pattern.compile("ts_[A-Za-z0-9]{1,32}_[A-Za-z0-9]{" + MIN_ADMIN_SECRET_LENGTH + ",128}");
    /** Tenant ids as the wire schemas allow them. */
    public static final Pattern TENANT_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    /** What a value that does not match {@link #TENANT_PATTERN} is told. */
    public static final String TENANT_RULE =
            "must be a tenant id: 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit";
    /** The queue depth limit of a priority that {@code queue-limits} does not name. */
    public static final int DEFAULT_QUEUE_LIMIT = 10_000;

    public IngestProperties {
        if (adminKey != null && adminKey.isBlank()) {
            adminKey = null;
        }
        if (adminKey != null && !ADMIN_KEY_FORMAT.matcher(adminKey.strip()).matches()) {
            throw new IllegalArgumentException("taskstream.ingest.admin-key must look like ts_<prefix>_<secret>: "
                    + "a prefix of 1-32 letters and digits and a secret of " + MIN_ADMIN_SECRET_LENGTH
                    + "-128 letters and digits");
        }
        adminKey = adminKey == null ? null : adminKey.strip();
        if (adminTenant == null || !TENANT_PATTERN.matcher(adminTenant).matches()) {
            throw new IllegalArgumentException("taskstream.ingest.admin-tenant must match " + TENANT_PATTERN);
        }
        if (maxPayloadBytes < 1024 || maxPayloadBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("taskstream.ingest.max-payload-bytes must be between 1024 and 16 MiB");
        }
        requirePositive(submitTimeout, "submit-timeout");
        requirePositive(retryAfter, "retry-after");
        requirePositive(partitionMaintenanceInterval, "partition-maintenance-interval");
        if (projectionGroupId == null || projectionGroupId.isBlank()) {
            throw new IllegalArgumentException("taskstream.ingest.projection-group-id must not be blank");
        }
        if (projectionBatchSize < 1 || projectionBatchSize > 5000) {
            throw new IllegalArgumentException("taskstream.ingest.projection-batch-size must be between 1 and 5000");
        }
        if (projectionConcurrency < 1) {
            throw new IllegalArgumentException("taskstream.ingest.projection-concurrency must be at least 1");
        }
        if (partitionMonthsAhead < 1 || partitionMonthsAhead > 24) {
            throw new IllegalArgumentException("taskstream.ingest.partition-months-ahead must be between 1 and 24");
        }
        if (cancelFlagPrefix == null || cancelFlagPrefix.isBlank()) {
            throw new IllegalArgumentException("taskstream.ingest.cancel-flag-prefix must not be blank");
        }
        requirePositive(cancelFlagTtl, "cancel-flag-ttl");
        if (dlqProjectionGroupId == null || dlqProjectionGroupId.isBlank()) {
            throw new IllegalArgumentException("taskstream.ingest.dlq-projection-group-id must not be blank");
        }
        if (dlqProjectionGroupId.equals(projectionGroupId)) {
            throw new IllegalArgumentException("taskstream.ingest.dlq-projection-group-id must differ from "
                    + "taskstream.ingest.projection-group-id (each projection commits its own offsets)");
        }
        if (workerGroupId == null || workerGroupId.isBlank()) {
            throw new IllegalArgumentException("taskstream.ingest.worker-group-id must not be blank");
        }
        Map<Priority, Integer> limits = new EnumMap<>(Priority.class);
        for (Priority priority : Priority.values()) {
            Integer limit = queueLimits == null ? null : queueLimits.get(priority);
            if (limit != null && limit < 1) {
                throw new IllegalArgumentException("taskstream.ingest.queue-limits." + priority.topicSuffix()
                        + " must be at least 1");
            }
            limits.put(priority, limit == null ? DEFAULT_QUEUE_LIMIT : limit);
        }
        queueLimits = Collections.unmodifiableMap(limits);
        requirePositive(queueDepthRefresh, "queue-depth-refresh");
        requirePositive(statsMaxAge, "stats-max-age");
        if (maxBatchSize < 1 || maxBatchSize > 10_000) {
            throw new IllegalArgumentException("taskstream.ingest.max-batch-size must be between 1 and 10000");
        }
        if (maxBatchBodyBytes < 64 * 1024 || maxBatchBodyBytes > 256L * 1024 * 1024) {
            throw new IllegalArgumentException("taskstream.ingest.max-batch-body-bytes must be between 64 KiB "
                    + "and 256 MiB");
        }
        requirePositive(idempotencyTtl, "idempotency-ttl");
        if (idempotencyTtl.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("taskstream.ingest.idempotency-ttl must be at least a minute");
        }
        if (rywCacheMaxBytes < 0) {
            throw new IllegalArgumentException("taskstream.ingest.ryw-cache-max-bytes must not be negative");
        }
        requirePositive(rywCacheTtl, "ryw-cache-ttl");
        if (schedules == null) {
            schedules = new Schedules(null);
        }
    }

    /**
     * The cron schedules' settings.
     *
     * @param minInterval the shortest time allowed between two fire times of one schedule; a {@code cron}
     *                    that fires more often is refused ({@code 400 validation_failed} on {@code cron}).
     *                    Schedules stored under a shorter limit keep working (the limit is checked when a
     *                    schedule is written, not when it fires)
     */
    public record Schedules(@DefaultValue("PT1M") Duration minInterval) {

        public Schedules {
            if (minInterval == null) {
                minInterval = Duration.ofMinutes(1);
            }
            if (minInterval.isNegative() || minInterval.isZero()) {
                throw new IllegalArgumentException("taskstream.ingest.schedules.min-interval must be a positive "
                        + "duration");
            }
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("taskstream.ingest." + name + " must be a positive duration");
        }
    }

    /** The largest request body read at all; see {@code maxPayloadBytes}. */
    public long maxBodyBytes() {
        return 2L * maxPayloadBytes + 64 * 1024;
    }

    /** Never prints the admin key. */
    @Override
    public String toString() {
        return "IngestProperties[adminKey=****, adminTenant=" + adminTenant + ", maxPayloadBytes=" + maxPayloadBytes
                + ", submitTimeout=" + submitTimeout + ", retryAfter=" + retryAfter + ", projectionGroupId="
                + projectionGroupId + ", projectionBatchSize=" + projectionBatchSize + ", projectionConcurrency="
                + projectionConcurrency + ", partitionMonthsAhead=" + partitionMonthsAhead
                + ", partitionMaintenanceInterval=" + partitionMaintenanceInterval + ", cancelFlagPrefix="
                + cancelFlagPrefix + ", cancelFlagTtl=" + cancelFlagTtl + ", dlqProjectionGroupId="
                + dlqProjectionGroupId + ", workerGroupId=" + workerGroupId + ", queueLimits=" + queueLimits
                + ", queueDepthRefresh=" + queueDepthRefresh + ", statsMaxAge=" + statsMaxAge
                + ", maxBatchSize=" + maxBatchSize + ", maxBatchBodyBytes=" + maxBatchBodyBytes
                + ", idempotencyTtl=" + idempotencyTtl + ", rywCacheMaxBytes=" + rywCacheMaxBytes + ", rywCacheTtl="
                + rywCacheTtl + ", schedules=" + schedules + "]";
    }
}
