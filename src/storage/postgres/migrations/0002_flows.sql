-- Flows (issue 3): versioned flow schemas, subjects, flow instances, their history and the
-- results of requests already applied (idempotency). Times are ms since the epoch, JSON is TEXT.
CREATE TABLE flow_schemas (
  ws BIGINT NOT NULL REFERENCES workspaces(pk),
  identifier TEXT NOT NULL,
  version BIGINT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ws, identifier, version)
);

CREATE TABLE subjects (
  ws BIGINT NOT NULL REFERENCES workspaces(pk),
  subject_key TEXT NOT NULL,
  properties TEXT NOT NULL,
  json_schema TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (ws, subject_key)
);

-- One instance per (workspace, subject, flow identifier): a concurrent second start finds the row.
CREATE TABLE flow_instances (
  id TEXT PRIMARY KEY,
  ws BIGINT NOT NULL REFERENCES workspaces(pk),
  flow TEXT NOT NULL,
  version BIGINT NOT NULL,
  subject TEXT NOT NULL,
  state TEXT NOT NULL,
  steps TEXT NOT NULL,
  data TEXT NOT NULL,
  seq BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (ws, subject, flow),
  FOREIGN KEY (ws, flow, version) REFERENCES flow_schemas (ws, identifier, version),
  FOREIGN KEY (ws, subject) REFERENCES subjects (ws, subject_key)
);
CREATE INDEX flow_instances_by_flow ON flow_instances (ws, flow, state);

-- seq is the instance seq that the change holding this entry produced.
CREATE TABLE flow_history (
  id BIGSERIAL PRIMARY KEY,
  instance_id TEXT NOT NULL REFERENCES flow_instances(id),
  seq BIGINT NOT NULL,
  transition TEXT NOT NULL,
  from_step TEXT NOT NULL,
  to_step TEXT NOT NULL,
  type TEXT NOT NULL,
  request_id TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX flow_history_by_instance ON flow_history (instance_id, id);

CREATE TABLE flow_requests (
  instance_id TEXT NOT NULL REFERENCES flow_instances(id),
  request_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (instance_id, request_id)
);
