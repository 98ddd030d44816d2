-- The submission of a dead-lettered task (issue #3 leftovers): the TaskSubmission the scheduler's
-- DeadLetter carries (id, tenant, priority and createdAt resolved), as JSON. A replay sends it in its
-- REPLAY command, so that the scheduler can run the task again after it purged the task's state (at the
-- end of its dedup window, 24 h by default). NULL for dead letters without one (invalid records) and for
-- rows projected before this migration: their replay works only while the scheduler still has the state.
ALTER TABLE dead_letters ADD COLUMN submission jsonb;
