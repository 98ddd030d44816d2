-- The audit log becomes a hash chain (issue #7, security): every row records who (the key and its tenant),
-- for which tenant, what (action, resource), when, from where (IP, user agent) and the outcome, and carries the
-- SHA-256 of the row before it, so a changed, deleted or forged row is found by audit_log_verify(). How rows
-- get here (batched by the API) and what the chain does and does not protect against: docs/security.md,
-- "Audit log"; the writer is ingest.audit.AuditTrail.
--
-- Columns added to V1's audit_log (tenant_id stays the tenant the request acted for, actor the key id):
ALTER TABLE audit_log
    -- the tenant of the key that acted; differs from tenant_id when an admin key acted for another tenant
    ADD COLUMN actor_tenant_id text,
    -- the client's address as the servlet container reports it (honours forwarded headers only when the
    -- server is configured to), and its User-Agent, truncated; NULL for events that are not HTTP requests
    ADD COLUMN ip              text,
    ADD COLUMN user_agent      text,
    -- the HTTP status answered (NULL for events that are not requests) and what it means
    ADD COLUMN status          integer CHECK (status BETWEEN 100 AND 599),
    ADD COLUMN outcome         text    CHECK (outcome IN ('ok', 'refused', 'failed')),
    -- the chain: 1, 2, 3 … in append order (ids come from the identity column and can commit out of order)
    ADD COLUMN chain_seq       bigint,
    ADD COLUMN prev_hash       bytea   CHECK (octet_length(prev_hash) = 32),
    ADD COLUMN row_hash        bytea   CHECK (octet_length(row_hash) = 32);

-- One field of the canonical form of a row: 0x00 for NULL; else 0x01, the length of the value's UTF-8 bytes as
-- 4 bytes big-endian, and those bytes. Length-prefixed, so no content can pass for a separator, and NULL is not ''.
CREATE FUNCTION audit_field(value text) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN '\x00'::bytea
                ELSE '\x01'::bytea || int4send(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8')
           END
$$;

-- row_hash = SHA-256(prev_hash || 'taskstream.audit_log.v1' || the fields below, each as audit_field()).
-- Every value is rendered so that no session setting changes it: the timestamp in UTC to the microsecond
-- (2026-11-28T10:00:00.123456Z), numbers as plain digits, detail as jsonb's own text form (keys sorted, one
-- spacing). The one function the insert trigger, the V7 back-fill and audit_log_verify() use. A column added
-- later is covered only by a new version of this form (taskstream.audit_log.v2), applied to new rows.
CREATE FUNCTION audit_row_hash(r audit_log) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT sha256(r.prev_hash
        || convert_to('taskstream.audit_log.v1', 'UTF8')
        || audit_field(r.chain_seq::text)
        || audit_field(r.id::text)
        || audit_field(to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit_field(r.tenant_id)
        || audit_field(r.actor)
        || audit_field(r.actor_tenant_id)
        || audit_field(r.action)
        || audit_field(r.resource_type)
        || audit_field(r.resource_id)
        || audit_field(r.detail::text)
        || audit_field(r.trace_id)
        || audit_field(r.ip)
        || audit_field(r.user_agent)
        || audit_field(r.status::text)
        || audit_field(r.outcome))
$$;

-- ---------------------------------------------------------------------------------------------
-- Rows already there (a deployment upgraded from V7) are chained in id order. They were written only by
-- successful requests of a key of the row's own tenant.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;

DO $$
DECLARE
    r    audit_log;
    seq  bigint := 0;
    prev bytea  := decode(repeat('00', 32), 'hex');
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        seq := seq + 1;
        r.chain_seq := seq;
        r.prev_hash := prev;
        r.actor_tenant_id := r.tenant_id;
        r.outcome := 'ok';
        prev := audit_row_hash(r);
        UPDATE audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, row_hash = prev,
                             actor_tenant_id = r.actor_tenant_id, outcome = r.outcome
        WHERE id = r.id;
    END LOOP;
END
$$;

ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;

ALTER TABLE audit_log
    ALTER COLUMN actor_tenant_id SET NOT NULL,
    ALTER COLUMN outcome SET NOT NULL,
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL,
    -- the chain's order, its head (ORDER BY chain_seq DESC LIMIT 1) and the proof that no number is used twice
    ADD CONSTRAINT audit_log_chain_seq_key UNIQUE (chain_seq);

-- ---------------------------------------------------------------------------------------------
-- Appends each new row to the chain, whatever the INSERT said about chain_seq, prev_hash and row_hash.
-- The advisory lock (7, 1) serialises appenders until their transaction ends, so every row links to the last
-- committed one: a multi-row INSERT pays for it once; a transaction that rolls back frees its numbers again
-- (no gap), and Postgres makes a commit visible before it releases the lock, so a reader never sees row n + 1
-- without row n. Inserts must run in READ COMMITTED (the default): under REPEATABLE READ the head read here
-- could be stale, and the UNIQUE constraint on chain_seq refuses the row rather than forking the chain.
CREATE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    last_seq  bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(7, 1);
    SELECT chain_seq, row_hash INTO last_seq, last_hash FROM audit_log ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    NEW.row_hash := audit_row_hash(NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- ---------------------------------------------------------------------------------------------
-- Checks the whole chain in one pass in chain_seq order (an index scan feeding a window; constant memory,
-- it stops at the first break) and answers one row:
--   rows_checked      the rows found intact from chain_seq 1 on (all of them when the chain holds)
--   head_seq, head_hash  the last row (NULL when the log is empty): export them now and then, see the docs
--   first_broken_seq  the first chain_seq that is wrong or missing; NULL when the chain holds
--   reason            why, in words
-- Breaks it finds, in this order for each row: a gap (rows deleted, or missing before the first row), a
-- prev_hash that is not the row_hash of the row before (a row inserted, replaced or re-ordered), a row_hash
-- that is not the row's hash (the row was changed). POST /api/v1/audit:verify answers with it; so can psql.
CREATE FUNCTION audit_log_verify()
    RETURNS TABLE (rows_checked bigint, head_seq bigint, head_hash bytea, first_broken_seq bigint, reason text)
    LANGUAGE sql STABLE AS $$
    WITH links AS (
        SELECT a.chain_seq, a.prev_hash, a.row_hash,
               audit_row_hash(a) AS computed,
               coalesce(lag(a.chain_seq) OVER w, 0) AS prev_seq,
               coalesce(lag(a.row_hash) OVER w, decode(repeat('00', 32), 'hex')) AS prev_row_hash
        FROM audit_log a
        WINDOW w AS (ORDER BY a.chain_seq)
    ), breaks AS (
        SELECT chain_seq,
               CASE WHEN chain_seq <> prev_seq + 1 THEN prev_seq + 1 ELSE chain_seq END AS broken_seq,
               CASE
                   WHEN chain_seq <> prev_seq + 1 THEN
                       CASE WHEN chain_seq - prev_seq = 2
                            THEN format('row %s is missing (deleted): chain_seq goes from %s to %s',
                                        prev_seq + 1, prev_seq, chain_seq)
                            ELSE format('rows %s to %s are missing (deleted): chain_seq goes from %s to %s',
                                        prev_seq + 1, chain_seq - 1, prev_seq, chain_seq)
                       END
                   WHEN prev_hash <> prev_row_hash THEN
                       format('the prev_hash of row %s is not the row_hash of row %s: a row was inserted, '
                              'replaced or re-ordered', chain_seq, prev_seq)
                   WHEN row_hash <> computed THEN
                       format('row %s does not hash to its row_hash: it was changed', chain_seq)
               END AS reason
        FROM links
    ), first_break AS (
        SELECT broken_seq, reason FROM breaks WHERE reason IS NOT NULL ORDER BY chain_seq LIMIT 1
    ), head AS (
        SELECT chain_seq, row_hash FROM audit_log ORDER BY chain_seq DESC LIMIT 1
    )
    SELECT coalesce((SELECT broken_seq - 1 FROM first_break), (SELECT chain_seq FROM head), 0),
           (SELECT chain_seq FROM head),
           (SELECT row_hash FROM head),
           (SELECT broken_seq FROM first_break),
           (SELECT reason FROM first_break)
$$;
