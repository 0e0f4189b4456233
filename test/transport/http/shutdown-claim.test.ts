import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft } from '../../helpers/weft.js';

// A shutdown does not wait for long polls: a claim waiting for work answers at once with none, so
// the server closes in its time (a 30 s wait held it past the CLI's 15 s force exit, exit code 1,
// and the node's running tasks were never handed back).

for (const backend of await backends()) {
  describe(`shutdown with claims waiting on ${backend.name}`, () => {
    test('a long-poll claim answers 200 with no tasks when the server closes, and the close completes', async () => {
      const db = freshDatabase(backend);
      const weft = await startWeft(db, { WEFT_WORKER_TYPES: 'ext.job' });
      try {
        const claims = Array.from({ length: 12 }, (_, i) =>
          weft.api('/v1/tasks/claim', { method: 'POST', json: { types: ['ext.job'], max: 1, wait_ms: 30000, worker_id: `w${i}` } }),
        );
        // Let them reach their wait.
        await sleep(300);
        const closed = weft.server.close();
        const failure = sleep(10000).then(() => 'still waiting 10 s after the close began');
        const answers = await Promise.race([Promise.all(claims), failure]);
        assert.notEqual(typeof answers, 'string', String(answers));
        for (const r of answers as Awaited<(typeof claims)[number]>[]) assert.deepEqual([r.status, r.body.tasks], [200, []]);
        assert.equal(await Promise.race([closed.then(() => 'closed'), failure]), 'closed');
      } finally {
        await weft.engine.stop();
        await db.cleanup();
      }
    });
  });
}
