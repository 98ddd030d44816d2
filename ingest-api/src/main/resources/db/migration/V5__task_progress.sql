-- Progress reporting (issue #4): what a running attempt's handler last reported through
-- TaskContext.progress(percent, message), as the projection applies progress events (PROCESSING
-- events that carry `progress`, docs/wire-conventions.md "Progress"). All NULL while the task has no
-- progress to show: before its attempt reports any, and once it has left PROCESSING (every event the
-- version rule applies sets them to what it carries, which is nothing unless it is a progress event).
-- progress_at is the worker's time of the report; the task view shows it as progress.updatedAt.
ALTER TABLE tasks
    ADD COLUMN progress_percent integer     CHECK (progress_percent BETWEEN 0 AND 100),
    ADD COLUMN progress_message text        CHECK (char_length(progress_message) <= 200),
    ADD COLUMN progress_at      timestamptz,
    ADD CONSTRAINT tasks_progress_complete CHECK ((progress_percent IS NULL) = (progress_at IS NULL));
