-- Taskstream's relational schema: the projections that answer queries (tasks, task_executions),
-- what the API owns (schedules, api_keys) and the audit trail. Kafka is the source of truth for
-- task state; these tables are rebuilt from it by the projection (ingest.projection).

-- Sets updated_at on every UPDATE that did not set it itself. Not used by `tasks`, whose updated_at is
-- the time of the task's latest event (set by the API and the projection), not the time of the write:
-- a trigger there would let a late, older event (which may still fill a missing column) move it.
CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- tasks: one row per task, the task view of the API. Written by the API (the PENDING row, version 0,
-- right after Kafka acknowledged the submission: read-your-writes) and by the projection (every
-- TaskEvent with a higher version). Columns without NOT NULL may be unknown while the projection
-- has seen only status events of a task (events can arrive out of order).
CREATE TABLE tasks (
    id              uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    type            text,
    priority        text        CHECK (priority IN ('CRITICAL', 'HIGH', 'NORMAL', 'LOW')),
    status          text        NOT NULL CHECK (status IN ('PENDING', 'SCHEDULED', 'QUEUED', 'PROCESSING',
                                    'RETRY_SCHEDULED', 'COMPLETED', 'FAILED', 'CANCELLED')),
    version         bigint      NOT NULL CHECK (version >= 0),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer     CHECK (max_attempts BETWEEN 1 AND 50),
    run_at          timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    payload         jsonb,
    result          jsonb,
    last_error      jsonb,
    labels          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    ordering_key    text,
    schedule_id     uuid,
    trace_id        text,
    idempotency_key text,
    -- SHA-256 of the canonical request, to tell a retry (same request: 200) from a reuse (409)
    request_hash    bytea       CHECK (octet_length(request_hash) = 32),
    timeout_ms      bigint      CHECK (timeout_ms > 0),
    backoff         jsonb,
    encrypt         boolean     NOT NULL DEFAULT false
);

-- GET /tasks: keyset pagination, newest first, optionally by status / type (label filters: GIN below)
CREATE INDEX tasks_tenant_created_idx ON tasks (tenant_id, created_at DESC, id DESC);
CREATE INDEX tasks_tenant_status_idx ON tasks (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX tasks_tenant_type_idx ON tasks (tenant_id, type, created_at DESC, id DESC);
-- idempotency backstop: one task per (tenant, key)
CREATE UNIQUE INDEX tasks_tenant_idempotency_key_idx ON tasks (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- label=k:v filters (labels @> '{"k": "v"}')
CREATE INDEX tasks_labels_idx ON tasks USING gin (labels jsonb_path_ops);
-- tasks fired by a schedule (overlap SKIP_IF_RUNNING, schedule history)
CREATE INDEX tasks_schedule_idx ON tasks (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- task_executions: every attempt of every task (GET /tasks/{id}/executions, the DLQ's history).
-- Range-partitioned by month on started_at so old months can be detached and dropped cheaply;
-- ensure_task_execution_partitions() (below, run by the API at start-up and daily) keeps the
-- coming months ready, and the DEFAULT partition catches anything outside them.
CREATE TABLE task_executions (
    task_id     uuid        NOT NULL,
    tenant_id   text        NOT NULL,
    attempt     integer     NOT NULL CHECK (attempt >= 1),
    started_at  timestamptz NOT NULL,
    worker_id   text,
    finished_at timestamptz,
    outcome     text        CHECK (outcome IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED')),
    error       jsonb,
    duration_ms bigint      CHECK (duration_ms >= 0),
    PRIMARY KEY (task_id, attempt, started_at)
) PARTITION BY RANGE (started_at);

CREATE TABLE task_executions_default PARTITION OF task_executions DEFAULT;

-- Creates the monthly partitions task_executions_YYYY_MM for `months` months from `first_month`
-- (UTC month boundaries) that do not exist yet, moving any rows of those months out of the default
-- partition first. Idempotent; concurrent callers are serialised. Returns how many it created.
CREATE FUNCTION ensure_task_execution_partitions(first_month date, months integer) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    created   integer := 0;
    lower_day date;
    upper_day date;
    lower_ts  text;
    upper_ts  text;
    part      text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('taskstream.task_executions.partitions'));
    FOR i IN 0 .. months - 1 LOOP
        lower_day := (date_trunc('month', first_month) + make_interval(months => i))::date;
        upper_day := (lower_day + interval '1 month')::date;
        lower_ts  := to_char(lower_day, 'YYYY-MM-DD') || 'T00:00:00Z';
        upper_ts  := to_char(upper_day, 'YYYY-MM-DD') || 'T00:00:00Z';
        part      := 'task_executions_' || to_char(lower_day, 'YYYY_MM');
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE task_executions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format('WITH moved AS (DELETE FROM task_executions_default '
                           'WHERE started_at >= %L::timestamptz AND started_at < %L::timestamptz RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved', lower_ts, upper_ts, part);
            EXECUTE format('ALTER TABLE task_executions ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           part, lower_ts, upper_ts);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

-- the current month and the next; the API keeps more ready from then on
SELECT ensure_task_execution_partitions((now() AT TIME ZONE 'UTC')::date, 2);

-- ---------------------------------------------------------------------------------------------
-- schedules: cron schedules as the API serves them (the scheduler's copy travels on the compacted
-- `schedules` topic). `task` is the ScheduleDefinition.TaskTemplate as JSON.
CREATE TABLE schedules (
    id             uuid        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    name           text        NOT NULL,
    cron           text        NOT NULL,
    timezone       text        NOT NULL DEFAULT 'UTC',
    task           jsonb       NOT NULL,
    enabled        boolean     NOT NULL DEFAULT true,
    misfire_policy text        NOT NULL DEFAULT 'FIRE_ONCE' CHECK (misfire_policy IN ('FIRE_ONCE', 'SKIP')),
    overlap        text        NOT NULL DEFAULT 'ALLOW' CHECK (overlap IN ('ALLOW', 'SKIP_IF_RUNNING')),
    last_run_at    timestamptz,
    last_task_id   uuid,
    -- optimistic concurrency for PUT/PATCH
    version        bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE INDEX schedules_tenant_created_idx ON schedules (tenant_id, created_at DESC, id DESC);

CREATE TRIGGER schedules_touch_updated_at BEFORE UPDATE ON schedules
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------------------------------------
-- api_keys: keys look like ts_<prefix>_<secret>; only the SHA-256 of the whole key is stored. A
-- rotated key keeps its previous hash until previous_expires_at (the grace period).
CREATE TABLE api_keys (
    id                   uuid        PRIMARY KEY,
    tenant_id            text        NOT NULL,
    name                 text        NOT NULL,
    prefix               text        NOT NULL UNIQUE,
    secret_hash          bytea       NOT NULL CHECK (octet_length(secret_hash) = 32),
    scopes               text[]      NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    expires_at           timestamptz,
    revoked_at           timestamptz,
    last_used_at         timestamptz,
    previous_secret_hash bytea       CHECK (octet_length(previous_secret_hash) = 32),
    previous_expires_at  timestamptz
);

CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at DESC, id DESC);

CREATE TRIGGER api_keys_touch_updated_at BEFORE UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- ---------------------------------------------------------------------------------------------
-- audit_log: who did what to keys, schedules, the DLQ and tenant limits. Append-only: UPDATE,
-- DELETE and TRUNCATE are refused.
CREATE TABLE audit_log (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at   timestamptz NOT NULL,
    tenant_id     text        NOT NULL,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    resource_type text,
    resource_id   text,
    detail        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    trace_id      text
);

CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, occurred_at DESC, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
