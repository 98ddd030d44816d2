-- A deferred attempt (issue #4): the outcome DEFERRED in task_executions. A worker reports it when an
-- attempt did not run to an end and is to run again later without counting (a handler's snooze, an
-- open circuit, a worker shutting down); the scheduler dispatches the same attempt number again, so a
-- task may have several rows of one attempt, told apart by started_at (the primary key already has it).
--
-- The CHECK is replaced on the partitioned table, which replaces it on every partition: those attached
-- by ensure_task_execution_partitions() inherited it. A partition that somehow kept a copy of its own
-- (a local constraint of the same name) is cleared too, so no month refuses the new outcome.
ALTER TABLE task_executions DROP CONSTRAINT task_executions_outcome_check;

DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'task_executions'::regclass LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS task_executions_outcome_check', part);
    END LOOP;
END
$$;

ALTER TABLE task_executions ADD CONSTRAINT task_executions_outcome_check
    CHECK (outcome IN ('COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'DEFERRED'));
