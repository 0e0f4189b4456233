-- A transition's request id is recorded on the history entry it wrote (request_key, and the answer
-- in `outcome`), found through an index on (instance_id, request_key); flow_requests keeps only the
-- answers that wrote no history (failures) and the records of earlier versions. PERF: every change
-- used to insert into two indexes clustered by instance (the history's and flow_requests'), each a
-- page of its own in every group commit; one is left.
ALTER TABLE flow_history ADD COLUMN request_key TEXT;
ALTER TABLE flow_history ADD COLUMN outcome TEXT;
CREATE INDEX flow_history_by_request ON flow_history (instance_id, request_key);
DROP INDEX flow_history_by_instance;
