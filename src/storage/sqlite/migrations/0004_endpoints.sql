-- Endpoints (issue 5): definitions per workspace and their append-only state records. Times are ms
-- since the epoch; JSON is TEXT. version grows on every update (a cache key for parsed definitions).
CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  ws INTEGER NOT NULL REFERENCES workspaces(pk),
  name TEXT NOT NULL,
  method TEXT NOT NULL,
  pattern TEXT NOT NULL,
  public INTEGER NOT NULL DEFAULT 0,
  definition TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (ws, name)
);
CREATE INDEX endpoints_by_ws ON endpoints (ws, method);
CREATE INDEX endpoints_public ON endpoints (method, public);

-- lookup_status and network_error copy the record's lookupHttpStatus and lookupNetworkError so that
-- the state.config filters run in SQL.
CREATE TABLE endpoint_states (
  id INTEGER PRIMARY KEY,
  endpoint TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  lookup_status INTEGER,
  network_error INTEGER NOT NULL,
  record TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX endpoint_states_by_endpoint ON endpoint_states (endpoint, id);
