-- GET /v1/deliveries?state=failed lists a workspace's deliveries that gave up, newest first. They are
-- few among many delivered ones: without an index of their own the listing read the table from its
-- end until it found enough. Partial, so a delivery that succeeds (the hot path) never touches it.
CREATE INDEX process_deliveries_failed ON process_deliveries (ws, id) WHERE state = 'failed';
