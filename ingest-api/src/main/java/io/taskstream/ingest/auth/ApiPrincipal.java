package io.taskstream.ingest.auth;

import java.util.Objects;
import java.util.Set;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

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

    /** Throws {@code 403 forbidden} unless this key has {@code scope} (or {@code admin}). */
    public void requireScope(String scope) {
        if (!hasScope(scope)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "the API key lacks the scope " + scope);
        }
    }
}
