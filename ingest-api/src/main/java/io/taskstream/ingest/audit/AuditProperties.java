package io.taskstream.ingest.audit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the audit log is written, {@code taskstream.ingest.audit.*} (see {@link AuditTrail}).
 *
 * @param queueCapacity   entries waiting to be written at most; when full (Postgres down for a while), new
 *                        entries are dropped, counted and logged
 * @param batchSize       entries written by one statement at most; a full batch is written at once
 * @param maxDelay        how long the first entry of a batch waits for more before the batch is written: what a
 *                        crash of the API can lose
 * @param retryDelay      how long the writer waits before writing a batch again after Postgres failed it
 * @param shutdownTimeout how long a stopping API keeps trying to write what is left before it gives up (logged)
 */
@ConfigurationProperties("taskstream.ingest.audit")
public record AuditProperties(
        @DefaultValue("10000") int queueCapacity,
        @DefaultValue("500") int batchSize,
        @DefaultValue("50ms") Duration maxDelay,
        @DefaultValue("1s") Duration retryDelay,
        @DefaultValue("10s") Duration shutdownTimeout) {

    /** The most rows one INSERT may carry: 13 parameters a row, and Postgres takes at most 65,535 a statement. */
    static final int MAX_BATCH_SIZE = 5_000;

    public AuditProperties {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("taskstream.ingest.audit.queue-capacity must be at least 1");
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("taskstream.ingest.audit.batch-size must be 1 to " + MAX_BATCH_SIZE);
        }
        positive(maxDelay, "max-delay");
        positive(retryDelay, "retry-delay");
        positive(shutdownTimeout, "shutdown-timeout");
    }

    /** The defaults. */
    public static AuditProperties defaults() {
        return new AuditProperties(10_000, 500, Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(10));
    }

    private static void positive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("taskstream.ingest.audit." + name + " must be positive");
        }
    }
}
