import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTasks } from '../../bench/scenarios/tasks/tasks-scenario.js';
import { weftQueue } from '../../bench/scenarios/tasks/weft-queue.js';

// The benchmark harness end to end at a tiny size: weft on SQLite as a child process, 200 tasks
// enqueued over HTTP and drained over /ws/workers, then 1 s of the latency phase (100 tasks at 100/s).
// Shape only, no timings.
test('the tasks scenario drains every task and writes a result of the documented shape', async () => {
  const out = mkdtempSync(join(tmpdir(), 'weft-bench-smoke-'));
  try {
    const result = await runTasks(
      { scenarios: ['tasks'], n: 200, concurrency: [10, 50], duration: 1, profile: false },
      { systems: [weftQueue({ kind: 'sqlite', synchronous: 'NORMAL' })], outDir: out },
    );
    const written = JSON.parse(readFileSync(join(out, 'tasks.json'), 'utf8'));
    assert.deepEqual(written, JSON.parse(JSON.stringify(result)));
    assert.equal(written.scenario, 'tasks');
    assert.equal(written.status, 'ok', written.notes.join('\n'));
    for (const k of ['cores', 'cpu_model', 'memory_mb', 'node', 'load_at_start']) assert.ok(k in written.machine, `machine.${k}`);
    assert.match(written.versions['weft sqlite NORMAL'], /^\d+\.\d+\.\d+/);
    assert.match(written.durability['weft sqlite NORMAL'], /synchronous=NORMAL/);
    assert.deepEqual(written.parameters.n, { 10: 200, 50: 200 }, '--n sizes every drain');

    const drains = written.rows.filter((r: { kind: string }) => r.kind === 'drain');
    assert.deepEqual(
      drains.map((r: { system: string; concurrency: number; completed: number; complete: boolean }) => [r.system, r.concurrency, r.completed, r.complete]),
      [
        ['weft sqlite NORMAL', 10, 200, true],
        ['weft sqlite NORMAL', 50, 200, true],
      ],
    );
    for (const r of drains) {
      assert.ok(r.completed_per_s > 0 && r.enqueue_per_s > 0 && r.drain_s > 0, JSON.stringify(r));
    }
    const [latency] = written.rows.filter((r: { kind: string }) => r.kind === 'latency');
    assert.equal(latency.expected, 100);
    assert.equal(latency.started, 100);
    assert.ok(latency.p50_ms !== null && latency.p99_ms >= latency.p50_ms, JSON.stringify(latency));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
