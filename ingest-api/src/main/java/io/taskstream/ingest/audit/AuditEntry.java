package io.taskstream.ingest.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One row of the audit log before it is written: who did what, to what, when, from where and how it ended.
 * {@link AuditFilter} makes one for every mutating API request; other code (the API keys' start-up
 * bootstrap, say) makes one with {@link #event} and hands it to {@link AuditTrail#record}. The chain columns
 * ({@code chain_seq}, {@code prev_hash}, {@code row_hash}) are Postgres's business, not this record's.
 *
 * <p>Never put a secret here: no request or response body, no header but the user agent, no API key. Long
 * values are cut ({@link #MAX_TEXT}, {@link #MAX_USER_AGENT}) and NUL characters (which Postgres refuses in
 * text) replaced, so that an entry can always be written.
 *
 * @param occurredAt    when the request arrived (the API's clock) or the event happened
 * @param tenantId      the tenant acted for: the one whose listing shows the row
 * @param actor         who acted: the API key's id, or {@code system} for what the API does by itself
 * @param actorTenantId the tenant of that key; differs from {@code tenantId} when an admin key acted for
 *                      another tenant (null: the same)
 * @param action        what was done, e.g. {@code schedule.create} ({@link AuditActions})
 * @param resourceType  the kind of thing it was done to ({@code task}, {@code schedule}, {@code key} …), or null
 * @param resourceId    its id, or null
 * @param detail        a little more, e.g. a schedule's name (JSON object; null: none)
 * @param traceId       the W3C trace id of the request, or null
 * @param ip            the client's address, or null when it was no HTTP request
 * @param userAgent     the client's {@code User-Agent}, or null
 * @param status        the HTTP status answered, or null when it was no HTTP request
 * @param outcome       how it ended
 */
public record AuditEntry(
        Instant occurredAt,
        String tenantId,
        String actor,
        String actorTenantId,
        String action,
        String resourceType,
        String resourceId,
        Map<String, Object> detail,
        String traceId,
        String ip,
        String userAgent,
        Integer status,
        Outcome outcome) {

    /** The actor of what the API does by itself (e.g. storing the bootstrap admin key at start-up). */
    public static final String SYSTEM = "system";
    /** The longest text value kept; longer ones are cut. */
    public static final int MAX_TEXT = 200;
    /** The longest user agent kept; longer ones are cut. */
    public static final int MAX_USER_AGENT = 256;

    /** How a request ended, from its HTTP status: the {@code outcome} column. */
    public enum Outcome {
        /** 1xx–3xx: done. */
        OK("ok"),
        /** 4xx: the API refused it (scope, validation, not found, conflict, rate limit …). */
        REFUSED("refused"),
        /** 5xx: the API failed, or a dependency did. */
        FAILED("failed");

        private final String wireName;

        Outcome(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Outcome of(int status) {
            return status < 400 ? OK : status < 500 ? REFUSED : FAILED;
        }

        public static Outcome ofWireName(String name) {
            for (Outcome outcome : values()) {
                if (outcome.wireName.equals(name)) {
                    return outcome;
                }
            }
            throw new IllegalArgumentException("no outcome " + name);
        }
    }

    public AuditEntry {
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(outcome, "outcome");
        tenantId = required(tenantId, "tenantId");
        actor = required(actor, "actor");
        action = required(action, "action");
        actorTenantId = actorTenantId == null ? tenantId : clean(actorTenantId, MAX_TEXT);
        resourceType = clean(resourceType, MAX_TEXT);
        resourceId = clean(resourceId, MAX_TEXT);
        traceId = clean(traceId, MAX_TEXT);
        ip = clean(ip, MAX_TEXT);
        userAgent = clean(userAgent, MAX_USER_AGENT);
        detail = detail == null || detail.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(detail));
        if (status != null && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status must be an HTTP status, not " + status);
        }
    }

    /**
     * Something that was not an HTTP request, e.g. a key stored at start-up: {@code ok}, no address, no status.
     */
    public static AuditEntry event(Instant occurredAt, String tenantId, String actor, String action,
            String resourceType, String resourceId, Map<String, ?> detail) {
        return new AuditEntry(occurredAt, tenantId, actor, null, action, resourceType, resourceId,
                detail == null ? null : new LinkedHashMap<>(detail), null, null, null, null, Outcome.OK);
    }

    /** This entry with {@code key} set to {@code value} in its detail. */
    public AuditEntry withDetail(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(detail);
        more.put(key, value);
        return new AuditEntry(occurredAt, tenantId, actor, actorTenantId, action, resourceType, resourceId, more,
                traceId, ip, userAgent, status, outcome);
    }

    private static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return clean(value, MAX_TEXT);
    }

    /** Cut to {@code max} characters (never inside a surrogate pair), NUL replaced; null stays null. */
    static String clean(String value, int max) {
        if (value == null) {
            return null;
        }
        String cut = value;
        if (cut.length() > max) {
            int end = Character.isHighSurrogate(cut.charAt(max - 1)) ? max - 1 : max;
            cut = cut.substring(0, end);
        }
        return cut.indexOf('\0') < 0 ? cut : cut.replace('\0', '\uFFFD');
    }
}
