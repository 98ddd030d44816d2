-- Indexes for the queries of issue #5 (GET /tasks filters, GET /stats). Plain CREATE INDEX: it blocks
-- writes to `tasks` while it builds, for a time proportional to the table (CONCURRENTLY cannot run in
-- Flyway's migration transaction and would wait on Flyway's own lock-holding transaction); on a large table
-- create them CONCURRENTLY by hand, under these names, before upgrading — IF NOT EXISTS then skips them
-- (check that they are valid: an interrupted CONCURRENTLY build leaves an invalid index, skipped all the same).

-- GET /tasks?priority=P: a keyset range scan like the status and type ones of V1, so that a rare
-- priority (CRITICAL) does not make the listing walk the tenant's whole history.
CREATE INDEX IF NOT EXISTS tasks_tenant_priority_idx ON tasks (tenant_id, priority, created_at DESC, id DESC);

-- GET /stats, completed/failed per minute: the tenant's tasks that finished in the last minutes, counted
-- by status from the index alone (index-only scan). Only the two statuses counted are indexed.
CREATE INDEX IF NOT EXISTS tasks_tenant_finished_idx ON tasks (tenant_id, finished_at) INCLUDE (status)
    WHERE status IN ('COMPLETED', 'FAILED');
