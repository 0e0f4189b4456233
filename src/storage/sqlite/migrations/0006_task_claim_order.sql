-- A claim in one workspace reads its queued tasks of the given types in (run_at, id) order: with id
-- in the index, that order comes from the index itself. Without it every claim sorted all the tasks
-- sharing a run_at (a batch of enqueues shares one) to find the first few.
DROP INDEX tasks_queued_ws;
CREATE INDEX tasks_queued_ws ON tasks (ws, type, run_at, id) WHERE status = 'queued';
