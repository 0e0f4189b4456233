-- POST /tasks with an Idempotency-Key: the key is kept on the task it created, unique in its
-- workspace, so that the same request sent again (an answer lost, a client retrying) finds that task
-- instead of enqueuing another. Partial: tasks without a key (most) are not in the index.
ALTER TABLE tasks ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (ws, idempotency_key) WHERE idempotency_key IS NOT NULL;
