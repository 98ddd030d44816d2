package io.taskstream.ingest.auth;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/**
 * An API key as {@code api_keys} holds it: never the secret, only its SHA-256 — and, for the grace
 * period after a rotation, the previous secret's.
 *
 * @param previousSecretHash the secret's digest before the last rotation, or null
 * @param previousExpiresAt  until when the previous secret still works, or null
 */
public record StoredKey(UUID id, String tenantId, String name, String prefix, byte[] secretHash, Set<Scope> scopes,
        Instant createdAt, Instant expiresAt, Instant revokedAt, byte[] previousSecretHash,
        Instant previousExpiresAt) {

    public StoredKey {
        scopes = Set.copyOf(scopes);
    }

    /** Whether the key is neither revoked nor expired at {@code now}. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }

    /**
     * Whether a secret with digest {@code presented} opens this key at {@code now}: the key is active and
     * the digest is the secret's, or the previous secret's within its grace period. Compared in constant
     * time ({@link MessageDigest#isEqual}); both digests are always compared.
     */
    public boolean accepts(byte[] presented, Instant now) {
        boolean current = MessageDigest.isEqual(secretHash, presented);
        boolean previous = previousSecretHash != null && MessageDigest.isEqual(previousSecretHash, presented)
                && previousExpiresAt != null && now.isBefore(previousExpiresAt);
        return activeAt(now) && (current || previous);
    }

    public ApiPrincipal principal() {
        return new ApiPrincipal(tenantId, id.toString(), scopes);
    }

    /** Never prints the digests. */
    @Override
    public String toString() {
        return "StoredKey[id=" + id + ", tenantId=" + tenantId + ", prefix=" + prefix + ", scopes=" + scopes + "]";
    }
}
