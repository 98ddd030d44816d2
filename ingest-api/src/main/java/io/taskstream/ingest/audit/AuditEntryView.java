package io.taskstream.ingest.audit;

import java.time.Instant;

import tools.jackson.databind.JsonNode;

/**
 * One row of {@code GET /audit}: an {@link AuditEntry} as written, with its place in the chain.
 *
 * @param id            the row's id (identity column; not the chain's order)
 * @param chainSeq      its position in the chain: 1, 2, 3 … in the order rows were appended
 * @param occurredAt    when the request arrived or the event happened
 * @param tenantId      the tenant acted for
 * @param actor         the key id that acted, or {@code system}
 * @param actorTenantId the tenant of that key (another than {@code tenantId} when an admin acted for it)
 * @param action        e.g. {@code schedule.create} ({@link AuditActions})
 * @param resourceType  {@code task}, {@code schedule}, {@code key} … or null
 * @param resourceId    the resource's id, or null
 * @param detail        a JSON object, maybe empty
 * @param traceId       the W3C trace id of the request, or null
 * @param ip            the client's address, or null (no HTTP request)
 * @param userAgent     the client's user agent, truncated, or null
 * @param status        the HTTP status answered, or null (no HTTP request)
 * @param outcome       {@code ok}, {@code refused} or {@code failed}
 * @param rowHash       the row's SHA-256 in the chain, hex
 */
public record AuditEntryView(
        long id,
        long chainSeq,
        Instant occurredAt,
        String tenantId,
        String actor,
        String actorTenantId,
        String action,
        String resourceType,
        String resourceId,
        JsonNode detail,
        String traceId,
        String ip,
        String userAgent,
        Integer status,
        String outcome,
        String rowHash) {
}
