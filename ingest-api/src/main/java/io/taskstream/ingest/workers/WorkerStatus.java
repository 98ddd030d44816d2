package io.taskstream.ingest.workers;

/** A worker's health as the API judges it from its latest heartbeat (rules: {@link WorkerHealth}). */
public enum WorkerStatus {
    /** Beating, and neither failing most of its attempts nor holding stuck slots. */
    HEALTHY,
    /** Beating, but something is wrong: many failed attempts, stuck slots, or its consumer loop is down. */
    DEGRADED,
    /** No heartbeat for three intervals: dead, hung, or cut off from Redis. */
    UNHEALTHY
}
