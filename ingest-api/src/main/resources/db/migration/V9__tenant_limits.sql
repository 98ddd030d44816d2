-- Issue #7, rate limiting. A tenant's own limits (PUT /api/v1/tenants/{id}/limits): one row per endpoint
-- group it overrides (`submit`, `query`, `admin`), and a row with endpoint_group NULL for "every group that
-- has no row of its own". A tenant without rows follows taskstream.ingest.rate-limit.* . The API keeps
-- these in memory for a few seconds (TenantLimits); the buckets themselves live in Redis.
CREATE TABLE tenant_limits (
    tenant_id           text        NOT NULL,
    endpoint_group      text        CHECK (endpoint_group IN ('submit', 'query', 'admin')),
    requests_per_minute integer     NOT NULL CHECK (requests_per_minute BETWEEN 1 AND 60000000),
    burst               integer     NOT NULL CHECK (burst BETWEEN 1 AND 10000000),
    updated_at          timestamptz NOT NULL
);

-- one row per (tenant, group), the NULL group included
CREATE UNIQUE INDEX tenant_limits_key ON tenant_limits (tenant_id, COALESCE(endpoint_group, ''));
