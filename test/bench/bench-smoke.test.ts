import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTasks } from '../../bench/scenarios/tasks/tasks-scenario.js';
import { weftQueue } from '../../bench/scenarios/tasks/weft-queue.js';
import { runFlows } from '../../bench/scenarios/flows/flows-scenario.js';

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

// The flows scenario at a tiny size: weft on SQLite NORMAL, 2 clients, half a second a phase; then
// the transport floor (the echo server). Shape only, no timings.
test('the flows scenario writes its closed and open loops, the storage floor and the transport floor', async () => {
  const out = mkdtempSync(join(tmpdir(), 'weft-bench-smoke-'));
  try {
    const result = await runFlows({ scenarios: ['flows'], concurrency: [2], duration: 0.5, only: ['sqlite normal', 'echo'], profile: false, out });
    const written = JSON.parse(readFileSync(join(out, 'flows.json'), 'utf8'));
    assert.deepEqual(written, JSON.parse(JSON.stringify(result)));
    assert.equal(written.status, 'ok', written.notes.join('\n'));
    const kinds = (kind: string) => written.rows.filter((r: { kind: string }) => r.kind === kind);
    const [closed] = kinds('closed');
    assert.equal(closed.system, 'weft sqlite NORMAL');
    assert.ok(closed.transitions_per_s > 0 && closed.failed === 0, JSON.stringify(closed));
    assert.ok(kinds('open').length >= 1);
    for (const r of [...kinds('open'), ...kinds('echo')]) {
      assert.ok(r.transitions_per_s > 0 && r.p99_ms >= r.p50_ms, JSON.stringify(r));
      assert.ok(r.client_lag_max_ms >= r.client_lag_p99_ms && r.client_lag_p99_ms > 0, JSON.stringify(r));
    }
    const [echo] = kinds('echo');
    assert.equal(echo.system, 'WebSocket echo server (no storage)');
    assert.equal(echo.offered_per_s, 7500);
    assert.equal(kinds('floor').length, 1);
    const [targets] = kinds('targets');
    assert.equal(targets.transport_floor_p99_ms, echo.p99_ms);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
