package io.taskstream.ingest.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code tasks_rejected_total{reason}}: requests refused before their task reached Kafka, by reason —
 * {@value #QUEUE_FULL} ({@link QueueAdmission}) and {@value #RATE_LIMITED} (the rate limiter, for the
 * {@code submit} group). The scheduler counts the records it cannot admit under the same name. Only
 * the tag {@code reason}: Prometheus wants one set of tag keys per name in a registry.
 */
public final class Rejections {

    public static final String NAME = "tasks.rejected";
    public static final String QUEUE_FULL = "queue_full";
    public static final String RATE_LIMITED = "rate_limited";

    private Rejections() {
    }

    /** The counter of {@code reason}, registered in {@code meters} once. */
    public static Counter counter(MeterRegistry meters, String reason) {
        return Counter.builder(NAME)
                .description("Task submissions refused, by reason")
                .tag("reason", reason)
                .register(meters);
    }
}
