package io.taskstream.ingest.audit;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

/**
 * What a handler adds to its request's audit row: a few words of {@code detail} that the route and the answer
 * do not show, e.g. the name of a deleted schedule or the ids of tasks replayed in bulk. Never a secret, a body
 * or a header.
 */
public final class AuditDetail {

    static final String ATTRIBUTE = "io.taskstream.ingest.audit.AuditDetail";

    private AuditDetail() {
    }

    /** Adds {@code key: value} to the detail of the request's audit row (if it gets one: mutating requests). */
    public static void put(HttpServletRequest request, String key, Object value) {
        @SuppressWarnings("unchecked")
        Map<String, Object> detail = (Map<String, Object>) request.getAttribute(ATTRIBUTE);
        if (detail == null) {
            detail = new LinkedHashMap<>();
            request.setAttribute(ATTRIBUTE, detail);
        }
        detail.put(key, value);
    }

    /** The detail handlers added, in order; empty when none. */
    static Map<String, Object> of(HttpServletRequest request) {
        @SuppressWarnings("unchecked")
        Map<String, Object> detail = (Map<String, Object>) request.getAttribute(ATTRIBUTE);
        return detail == null ? Map.of() : detail;
    }
}
