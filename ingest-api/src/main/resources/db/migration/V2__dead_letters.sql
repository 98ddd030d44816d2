-- The dead-letter queue (CONTRACT.md §2 "Dead-letter queue", issue #3): one row per task that the
-- scheduler dead-lettered (a `DeadLetter` on the `dlq` topic that carries a task id), written by the
-- API's dead-letter projection (ingest.dlq). Records without a task id (Kafka records that could not be
-- read at all) have no row: they are only counted.
--
-- A row is in the queue while neither purged_at nor replayed_at is set. Replay sets replayed_at (the
-- task runs again; the row stays as history), purge sets purged_at (the task stays FAILED). A newer
-- dead-lettering of the same task (a replay that failed again) replaces the row and clears both.

CREATE TABLE dead_letters (
    task_id          uuid        PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    tenant_id        text        NOT NULL,
    -- copied from the task so that GET /dlq?type= has an index; filled from tasks when the dead letter
    -- came without it (see dead_letters_fill_type below)
    type             text,
    -- a stable machine code: attempts_exhausted, non_retryable, invalid_record …
    reason           text        NOT NULL,
    detail           text,
    dead_lettered_at timestamptz NOT NULL,
    purged_at        timestamptz,
    replayed_at      timestamptz
);

-- GET /dlq: keyset pagination over the tenant's queue, newest first; bulk replay by age
CREATE INDEX dead_letters_tenant_time_idx ON dead_letters (tenant_id, dead_lettered_at DESC, task_id DESC)
    WHERE purged_at IS NULL AND replayed_at IS NULL;
-- GET /dlq?type=, POST /dlq:replay {"type"}
CREATE INDEX dead_letters_tenant_type_time_idx
    ON dead_letters (tenant_id, type, dead_lettered_at DESC, task_id DESC)
    WHERE purged_at IS NULL AND replayed_at IS NULL;

-- The dead letter of a record that broke the schema has no submission, hence no type; the task's FAILED
-- event carries it, and the events projection may write it after the dead letter arrived. Then copy it.
CREATE FUNCTION dead_letters_fill_type() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dead_letters SET type = NEW.type WHERE task_id = NEW.id AND type IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_fill_dead_letter_type AFTER UPDATE OF type ON tasks
    FOR EACH ROW WHEN (OLD.type IS NULL AND NEW.type IS NOT NULL)
    EXECUTE FUNCTION dead_letters_fill_type();
