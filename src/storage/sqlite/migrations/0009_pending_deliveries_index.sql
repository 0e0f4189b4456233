-- Deliveries are looked up by workitem only while they are pending (the one-at-a-time rule of
-- claims, superseding, what waits behind a sent one): the index holds only those rows. PERF: the
-- index over every delivery ever made had random keys (a workitem id starts with its expid and a
-- random subid), so each insert dirtied a page of its own: about a quarter of the pages every group
-- commit wrote. The pending rows are few, and their pages stay in the cache.
CREATE INDEX process_deliveries_pending ON process_deliveries (workitem_id, id) WHERE state = 'pending';
DROP INDEX process_deliveries_workitem;
