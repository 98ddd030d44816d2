package io.taskstream.ingest.keys;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.auth.StoredKey;

/**
 * An API key as the API shows it (CONTRACT.md §2, "API keys, scopes, tenants"). The secret appears only
 * in the answer that created it ({@code POST /keys}) or gave it a new one ({@code :rotate}); no other
 * answer ever carries it.
 *
 * @param status                  {@code ACTIVE}, {@code EXPIRED} or {@code REVOKED}, at the time of the answer
 * @param secret                  the whole key, {@code ts_<prefix>_<secret>}: only when just created or rotated
 * @param previousSecretExpiresAt after a rotation: until when the previous secret still works
 */
public record KeyView(
        UUID id,
        String name,
        String tenantId,
        List<String> scopes,
        String prefix,
        Instant createdAt,
        Instant expiresAt,
        Instant revokedAt,
        Status status,
        @JsonInclude(JsonInclude.Include.NON_NULL) String secret,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant previousSecretExpiresAt) {

    public enum Status { ACTIVE, EXPIRED, REVOKED }

    static KeyView of(StoredKey key, Instant now) {
        return of(key, now, null, null);
    }

    static KeyView of(StoredKey key, Instant now, String secret, Instant previousSecretExpiresAt) {
        Status status = key.revokedAt() != null ? Status.REVOKED
                : key.activeAt(now) ? Status.ACTIVE : Status.EXPIRED;
        return new KeyView(key.id(), key.name(), key.tenantId(),
                key.scopes().stream().map(Scope::wireName).sorted().toList(), key.prefix(), key.createdAt(),
                key.expiresAt(), key.revokedAt(), status, secret, previousSecretExpiresAt);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "KeyView[id=" + id + ", tenantId=" + tenantId + ", prefix=" + prefix + ", scopes=" + scopes + "]";
    }
}
