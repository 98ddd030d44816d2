package io.taskstream.ingest.auth;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/**
 * Who is calling: the tenant every read and write of the request is confined to, the key that
 * authenticated it and its scopes. Put on the request by {@link ApiKeyFilter} under
 * {@link #ATTRIBUTE}; controllers take it with {@code @RequestAttribute(ApiPrincipal.ATTRIBUTE)}.
 *
 * @param tenantId    the tenant the request acts for: the key's own, or — for an {@code admin} key
 *                    that sent {@code X-Tenant-Id} — the one it names
 * @param keyId       the id of the key that authenticated the request
 * @param keyTenantId the tenant the key belongs to
 * @param scopes      the key's scopes
 */
public record ApiPrincipal(String tenantId, String keyId, String keyTenantId, Set<Scope> scopes) {

    public static final String ATTRIBUTE = "io.taskstream.ingest.auth.ApiPrincipal";

    public ApiPrincipal {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(keyTenantId, "keyTenantId");
        scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
    }

    /** A principal acting for the key's own tenant. */
    public ApiPrincipal(String tenantId, String keyId, Set<Scope> scopes) {
        this(tenantId, keyId, tenantId, scopes);
    }

    public boolean isAdmin() {
        return scopes.contains(Scope.ADMIN);
    }

    public boolean hasScope(Scope scope) {
        return isAdmin() || scopes.contains(scope);
    }

    /** Throws {@code 403 forbidden} unless this key has {@code scope} (or {@code admin}). */
    public void requireScope(Scope scope) {
        if (!hasScope(scope)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the API key lacks the scope " + scope.wireName());
        }
    }

    /**
     * This principal acting for {@code tenant}: only an {@code admin} key may name another tenant than
     * its own ({@code 403} otherwise).
     */
    public ApiPrincipal actingFor(String tenant) {
        if (tenant.equals(tenantId)) {
            return this;
        }
        if (!isAdmin()) {
            throw new ApiException(ErrorCode.FORBIDDEN, "only an admin key may act for another tenant");
        }
        return new ApiPrincipal(tenant, keyId, keyTenantId, scopes);
    }
}
