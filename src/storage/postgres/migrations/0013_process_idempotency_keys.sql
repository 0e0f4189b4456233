-- POST /v1/workflows with an Idempotency-Key: the key and a hash of the launch request are kept on
-- the process it started, the key unique in its workspace, so that the same launch sent again
-- answers that process instead of starting another (and another launch under the key is refused).
ALTER TABLE processes ADD COLUMN idempotency_key TEXT;
ALTER TABLE processes ADD COLUMN request_hash TEXT;
CREATE UNIQUE INDEX processes_idempotency_key ON processes (ws, idempotency_key) WHERE idempotency_key IS NOT NULL;
