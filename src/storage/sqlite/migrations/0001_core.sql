-- Core: API keys, workspaces, cluster nodes, tasks. Times are ms since the epoch; JSON is TEXT.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE workspaces (
  pk INTEGER PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  name TEXT NOT NULL,
  next_task_id INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  UNIQUE (key_id, name)
);

CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

CREATE TABLE tasks (
  ws INTEGER NOT NULL REFERENCES workspaces(pk),
  id INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  payload TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  runner TEXT,
  lease_owner TEXT,
  lease_token TEXT,
  lease_expires_at INTEGER,
  worker_id TEXT,
  result TEXT,
  error TEXT,
  flushed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (ws, id)
);
CREATE INDEX tasks_queued ON tasks (run_at, ws, id) WHERE status = 'queued';
CREATE INDEX tasks_queued_ws ON tasks (ws, type, run_at) WHERE status = 'queued';
CREATE INDEX tasks_running ON tasks (ws, lease_expires_at) WHERE status = 'running';
