package io.taskstream.ingest.limits;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.config.IngestProperties;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.http.JsonBodies;

/**
 * A tenant's rate limits (CONTRACT.md §2, "API keys, scopes, tenants"): {@code GET} and
 * {@code PUT /api/v1/tenants/{id}/limits}. Limits protect the tenants from each other, so only an
 * {@code admin} key sets or reads them, for any tenant. Tenants need no creation: any valid tenant id has
 * limits (the configured ones until set); an id that cannot be a tenant's is {@code 404}.
 */
@RestController
@RequestMapping("/api/v1/tenants")
public class TenantLimitsController {

    /** The largest body read; the whole body is a handful of numbers. */
    static final long MAX_BODY_BYTES = 16 * 1024;

    private final TenantLimits tenantLimits;
    private final RateLimitProperties properties;

    public TenantLimitsController(TenantLimits tenantLimits, RateLimitProperties properties) {
        this.tenantLimits = tenantLimits;
        this.properties = properties;
    }

    /** The tenant's own limits and those in effect per group, read from PostgreSQL (not from the cache). */
    @RequiresScope(Scope.ADMIN)
    @GetMapping("/{id}/limits")
    public TenantLimitsView get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id) {
        return TenantLimitsView.of(tenant(id), tenantLimits.read(id), properties);
    }

    /** Replaces the tenant's limits; applies on this node at once, on the others within the cache TTL. */
    @RequiresScope(Scope.ADMIN)
    @PutMapping(path = "/{id}/limits", consumes = MediaType.APPLICATION_JSON_VALUE)
    public TenantLimitsView replace(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @PathVariable String id, HttpServletRequest request) throws IOException {
        String tenant = tenant(id);
        TenantOverrides overrides = TenantLimitsRequest.of(JsonBodies.readObject(request, MAX_BODY_BYTES));
        return TenantLimitsView.of(tenant, tenantLimits.replace(tenant, overrides), properties);
    }

    private static String tenant(String id) {
        if (!IngestProperties.TENANT_PATTERN.matcher(id).matches()) {
            throw ApiException.notFound("not a tenant id");
        }
        return id;
    }
}
