import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBuiltinRunner } from '../../src/engine/builtin-runner.js';
import { createEventBus } from '../../src/engine/event-bus.js';
import { compileSettings } from '../../src/engine/settings.js';
import { systemClock } from '../../src/engine/clock.js';
import { sqliteBackend } from '../helpers/backends.js';
import { eventually, freshDatabase, openStore } from '../helpers/weft.js';

// The built-in runner against a real store; its claims are counted by wrapping the store's claim.
test('wake-ups after a claim that found nothing claim again at most every 50 ms; new work is still taken at once', async () => {
  const db = freshDatabase(sqliteBackend);
  const store = await openStore(db);
  const bus = createEventBus();
  let claims = 0;
  const claim = store.tasks.claim.bind(store.tasks);
  store.tasks.claim = (req) => {
    claims++;
    return claim(req);
  };
  const settings = compileSettings({}, { WEFT_TASK_TYPES: 'gx.tiny:3', WEFT_TASK_TIME_SCALE: '0.001' });
  const runner = createBuiltinRunner({ store, settings, clock: systemClock, bus, onError: (err) => assert.fail(String(err)) });
  try {
    runner.start();
    await eventually(() => claims, (n) => n >= 1, 2000, 'the first claim');
    await new Promise((r) => setTimeout(r, 20));
    // A burst of wake-ups, as commits of external workers' acknowledgements would send: 200 over ~200 ms.
    const before = claims;
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) {
      bus.emit('task:available', { ws: 1 });
      await new Promise((r) => setTimeout(r, 1));
    }
    const spent = Date.now() - t0;
    const made = claims - before;
    assert.ok(made >= 1, 'the burst woke the runner');
    // At most one per 50 ms of rest, plus the 250 ms poll's own, plus one at the start of the burst
    // (the old runner claimed on all 200).
    const bound = Math.ceil(spent / 50) + 1 + Math.ceil(spent / 250) + 1 + 1;
    assert.ok(made <= bound, `${made} claims in ${spent} ms (at most ${bound})`);
    // A task of the catalog, enqueued now, is claimed and run without waiting for the poll.
    await store.auth.createKey({ id: 'k', hash: 'h', prefix: 'weft_', name: null, now: Date.now() });
    const ws = (await store.auth.resolveWorkspace('k', 'w', Date.now())).pk;
    await new Promise((r) => setTimeout(r, 60));
    const [task] = await store.tasks.createMany(ws, [{ name: 't', type: 'gx.tiny', payload: null, maxAttempts: 1 }], Date.now());
    const t1 = Date.now();
    bus.emit('task:available', { ws });
    await eventually(async () => (await store.tasks.get(ws, task.id))?.status, (s) => s === 'running' || s === 'completed', 2000, 'the task taken');
    assert.ok(Date.now() - t1 < 200, `taken ${Date.now() - t1} ms after its event, before the 250 ms poll`);
  } finally {
    await runner.stop();
    await store.close();
    await db.cleanup();
  }
});
