-- Processes (issue 4): one row per process holding the interpreter state, an outbox of participant
-- deliveries, durable timers and stored definitions. Times are ms since the epoch; JSON is TEXT.
CREATE TABLE processes (
  wfid TEXT PRIMARY KEY,
  ws BIGINT NOT NULL REFERENCES workspaces(pk),
  name TEXT,
  revision TEXT,
  definition TEXT,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  tokens TEXT NOT NULL,
  seq BIGINT NOT NULL,
  launched_at BIGINT NOT NULL,
  ended_at BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX processes_ws ON processes (ws, status, launched_at);

CREATE TABLE process_deliveries (
  id BIGSERIAL PRIMARY KEY,
  webhook_id TEXT NOT NULL UNIQUE,
  wfid TEXT NOT NULL REFERENCES processes(wfid),
  ws BIGINT NOT NULL,
  workitem_id TEXT NOT NULL,
  participant TEXT NOT NULL,
  status TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX process_deliveries_due ON process_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX process_deliveries_workitem ON process_deliveries (workitem_id, id);
CREATE INDEX process_deliveries_wfid ON process_deliveries (wfid, id);

CREATE TABLE process_timers (
  wfid TEXT NOT NULL REFERENCES processes(wfid),
  timer_id TEXT NOT NULL,
  ws BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  PRIMARY KEY (wfid, timer_id)
);
CREATE INDEX process_timers_due ON process_timers (due_at);

CREATE TABLE process_definitions (
  ws BIGINT NOT NULL REFERENCES workspaces(pk),
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  source TEXT NOT NULL,
  tree TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ws, name, revision)
);
