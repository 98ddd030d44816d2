package io.taskstream.schemas;

import java.util.List;
import java.util.UUID;

/**
 * What reading one wire record gave: the document, or why not. A closed set, so every reader
 * handles all three (a bad record must never stop a pipeline).
 */
public sealed interface Decoded<T> {

    /** The record is a valid document. */
    record Valid<T>(T value) implements Decoded<T> {
    }

    /**
     * The record is JSON and names its tenant (and possibly its task id), but breaks the schema:
     * it can become a {@code FAILED} task of that tenant.
     */
    record Invalid<T>(String tenantId, UUID taskId, List<Violation> violations) implements Decoded<T> {
        public Invalid {
            violations = List.copyOf(violations);
        }

        public String detail() {
            return String.join("; ", violations.stream().map(Violation::toString).toList());
        }
    }

    /** Nothing usable could be read (not JSON, not an object, no tenant): the record goes to {@code dlq} only. */
    record Unreadable<T>(String reason, String detail) implements Decoded<T> {
    }
}
