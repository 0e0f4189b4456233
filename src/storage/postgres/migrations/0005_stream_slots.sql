-- Open /ws/tasks streams per node, so that the stream limits hold across a cluster.
CREATE TABLE stream_slots (
  node_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  ws BIGINT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (node_id, ws)
);
CREATE INDEX stream_slots_key ON stream_slots (key_id);
