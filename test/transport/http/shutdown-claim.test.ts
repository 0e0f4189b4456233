import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, TEST_KEY } from '../../helpers/weft.js';

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

    test('a claim waiting on /ws/workers is answered (no tasks) before its socket closes 1001', async () => {
      const db = freshDatabase(backend);
      const weft = await startWeft(db, { WEFT_WORKER_TYPES: 'ext.job' });
      try {
        const ws = new WebSocket(`${weft.wsUrl}/ws/workers?api_key=${TEST_KEY}`);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        const frames: unknown[] = [];
        ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
        const closed = new Promise<number>((resolve) => ws.once('close', resolve));
        for (let i = 1; i <= 3; i++) ws.send(JSON.stringify({ request_id: i, action: 'claim', data: { types: ['ext.job'], wait_ms: 20000 } }));
        await sleep(300);
        await weft.server.close();
        assert.equal(await closed, 1001);
        // Answers come in any order.
        const answers = frames.map((f) => {
          const r = f as { request_id: number; status: number; data: { tasks: unknown[] } };
          return [r.request_id, r.status, r.data.tasks] as const;
        });
        assert.deepEqual(
          answers.sort((a, b) => a[0] - b[0]),
          [1, 2, 3].map((id) => [id, 200, []]),
        );
      } finally {
        await weft.engine.stop();
        await db.cleanup();
      }
    });
  });
}
