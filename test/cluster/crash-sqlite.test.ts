import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashCycles } from '../helpers/crash-harness.js';

test('kill -9 under load on SQLite, 5 cycles: no acknowledged change lost or applied twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-crash-'));
  try {
    const report = await runCrashCycles({ cycles: 5, dataDir: dir });
    assert.deepEqual(report.problems, []);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicated, 0);
    assert.equal(report.cycles, 5);
    // The load really ran: something of each kind was acknowledged.
    assert.ok(report.acknowledged.tasks > 0 && report.acknowledged.transitions > 0 && report.acknowledged.launches > 0, JSON.stringify(report.acknowledged));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
