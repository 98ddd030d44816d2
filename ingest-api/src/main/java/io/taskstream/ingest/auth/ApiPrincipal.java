package io.taskstream.ingest.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: the tenant every read and write of the request is confined to, the key that
 * authenticated it and its scopes. Put on the request by {@link ApiKeyFilter} under
 * {@link #ATTRIBUTE}; controllers take it with {@code @RequestAttribute(ApiPrincipal.ATTRIBUTE)}.
 */
public record ApiPrincipal(String tenantId, String keyId, Set<String> scopes) {

    public static final String ATTRIBUTE = "io.taskstream.ingest.auth.ApiPrincipal";
    public static final String ADMIN_SCOPE = "admin";

    public ApiPrincipal {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(keyId, "keyId");
        scopes = Set.copyOf(scopes);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(ADMIN_SCOPE) || scopes.contains(scope);
    }
}
