-- Issue #6, cron schedules. A schedule's last run (`lastRunAt`, `lastTaskId` of the API) is its newest task:
-- every task a schedule submits — the scheduler's fires and `POST /schedules/{id}:trigger` alike — carries
-- its `schedule_id`, and its row is found through `tasks_schedule_idx` (V1). Two copies in `schedules` would
-- have to be kept in step with `tasks` by whoever creates the task (the scheduler knows no Postgres), so
-- the columns, never written, go.
ALTER TABLE schedules
    DROP COLUMN IF EXISTS last_run_at,
    DROP COLUMN IF EXISTS last_task_id;
