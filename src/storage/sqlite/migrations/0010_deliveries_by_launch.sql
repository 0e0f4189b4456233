-- A process's deliveries are found by its launch time and wfid instead of its wfid alone. PERF: a
-- wfid is random within its minute, so every delivery inserted took an index page of its own; the
-- processes running now were launched within the last moments, so their deliveries' entries sit
-- together at the index's right edge. Processes bench at 64 launchers with the old index dropped:
-- +4-8% workflows/s (docs/benchmarks.md, processes).
ALTER TABLE process_deliveries ADD COLUMN launched_at INTEGER;
UPDATE process_deliveries SET launched_at = (SELECT p.launched_at FROM processes p WHERE p.wfid = process_deliveries.wfid);
CREATE INDEX process_deliveries_process ON process_deliveries (launched_at, wfid, id);
DROP INDEX process_deliveries_wfid;
