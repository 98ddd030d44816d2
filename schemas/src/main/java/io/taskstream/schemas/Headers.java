package io.taskstream.schemas;

/** Kafka header names of the contract. */
public final class Headers {
    /** The document's wire name and version, e.g. {@code task-submission/v1}; optional for producers. */
    public static final String SCHEMA = "ts-schema";
    /** On {@code dlq} records: why the record was dead-lettered (a stable code). */
    public static final String ERROR = "ts-error";
    /** W3C trace context, propagated across every hop. */
    public static final String TRACEPARENT = "traceparent";

    private Headers() {
    }
}
