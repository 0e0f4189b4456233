import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { postgresBackend, postgresReachable } from '../helpers/backends.js';
import { freshDatabase, startWeft, TEST_KEY, type RunningWeft, type Database } from '../helpers/weft.js';

function open(url: string): Promise<{ ws: WebSocket; frames: unknown[][] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: unknown[][] = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('unexpected-response', (_q, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
  });
}

if (await postgresReachable()) {
  describe('two nodes over one PostgreSQL database', () => {
    let db: Database;
    let a: RunningWeft;
    let b: RunningWeft;
    before(async () => {
      db = freshDatabase(postgresBackend);
      const env = { WEFT_WORKER_TYPES: 'ext.job', WEFT_MAX_STREAMS_PER_WORKSPACE: '2', WEFT_MAX_STREAM_WORKSPACES_PER_KEY: '2' };
      a = await startWeft(db, { ...env, WEFT_NODE_ID: 'node-a' });
      b = await startWeft(db, { ...env, WEFT_NODE_ID: 'node-b' });
    });
    after(async () => {
      await a.stop();
      await b.stop();
      await db.cleanup();
    });

    test('a stream on node A sees a task created and completed through node B', async () => {
      const s = await open(`${a.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=x`);
      const created = await b.api('/tasks?workspace_id=x', { method: 'POST', json: { name: 'via-b', type: 'ext.job' } });
      const deadline = Date.now() + 3000;
      const seen = () => s.frames.some((f) => (f as Array<{ name: string }>).some((t) => t.name === 'via-b'));
      while (!seen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(seen(), 'frame from node A shows the task created on node B');
      // Long poll on A is woken by the enqueue on B.
      const pending = a.api('/v1/tasks/claim?workspace_id=x', { method: 'POST', json: { types: ['ext.job'], wait_ms: 5000 } });
      const claimed = (await pending).body.tasks;
      assert.deepEqual(
        claimed.map((t: { id: number }) => t.id),
        [created.body.task.id],
      );
      s.ws.close();
    });

    test('stream limits hold across nodes', async () => {
      const one = await open(`${a.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim`);
      const two = await open(`${b.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim`);
      await assert.rejects(open(`${a.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim`), (e: { status: number }) => e.status === 429);
      await assert.rejects(open(`${b.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim`), (e: { status: number }) => e.status === 429);
      // lim is one workspace; a second is allowed, a third is not.
      const other = await open(`${b.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim2`);
      await assert.rejects(open(`${a.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=lim3`), (e: { status: number }) => e.status === 429);
      one.ws.close();
      two.ws.close();
      other.ws.close();
    });

    test('the running cap holds across nodes', async () => {
      for (let i = 0; i < 20; i++) await (i % 2 ? a : b).api('/tasks?workspace_id=cap', { method: 'POST', json: { name: `t${i}`, type: 'ext.job' } });
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).api('/v1/tasks/claim?workspace_id=cap', { method: 'POST', json: { types: ['ext.job'], max: 3 } })),
      );
      const ids = claims.flatMap((c) => c.body.tasks.map((t: { id: number }) => t.id));
      assert.equal(new Set(ids).size, ids.length, 'no task claimed twice');
      assert.equal(ids.length, 6, 'at most 6 running in the workspace across both nodes');
    });
  });
} else {
  test('two nodes over one PostgreSQL database', { skip: 'PostgreSQL is unreachable (see the notice above)' }, () => {});
}
