import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { postgresBackend, postgresReachable } from '../helpers/backends.js';
import { eventually, freshDatabase, startWeft, TEST_KEY } from '../helpers/weft.js';
import { createClient, createWorker } from '../../packages/client/src/index.js';
import { startTcpProxy } from './fixtures/tcp-proxy.js';

// The client across two weft nodes over one PostgreSQL (SQLite is one node by design): a request whose
// answer was lost on one node is sent again to the other and applied once; a worker killed on one node
// leaves its task to a worker on the other.

if (await postgresReachable()) {
  describe('@weft/client on two nodes over one PostgreSQL', () => {
    test('a transition whose answer was lost on node A is resent to node B and applied once', async () => {
      const db = freshDatabase(postgresBackend);
      const a = await startWeft(db);
      const b = await startWeft(db);
      const proxy = await startTcpProxy(a.url);
      try {
        const direct = createClient({ url: b.url, apiKey: TEST_KEY, workspace: 'nodes' });
        await direct.flows.define({
          identifier: 'pair',
          steps: [{ identifier: 'one' }, { identifier: 'two' }, { identifier: 'three' }],
          transitions: [
            { identifier: 'next', from: 'one', to: 'two' },
            { identifier: 'next', from: 'two', to: 'three' },
          ],
        });
        const instance = await direct.flowInstances.start({ flow: 'pair', subject: 'ada' });
        const conn = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: 'nodes' }).flows.connect({ backoff: { baseMs: 50 } });
        await conn.ready();
        proxy.dropOnNextServerData();
        proxy.target = b.url;
        const res = await conn.transition({ flowInstanceId: instance.id, transition: 'next' });
        assert.equal(proxy.drops, 1);
        assert.deepEqual(res.instance.active_steps, ['two']);
        assert.deepEqual((await direct.flowInstances.get(instance.id)).active_steps, ['two']);
        assert.equal((await direct.flowInstances.history(instance.id)).length, 1);
        await conn.close();
      } finally {
        await proxy.close();
        await a.stop();
        await b.stop();
        await db.cleanup();
      }
    });

    test('a worker killed on node A leaves its task to a worker on node B', async () => {
      const db = freshDatabase(postgresBackend);
      const env = { WEFT_WORKER_TYPES: 'slow', WEFT_TASK_LEASE_MS: '400' };
      const a = await startWeft(db, env);
      const b = await startWeft(db, env);
      try {
        const onA = createClient({ url: a.url, apiKey: TEST_KEY, workspace: 'nodes' });
        const task = await onA.tasks.create({ name: 'survivor', type: 'slow' });
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/client/fixtures/hanging-worker.ts', a.url, TEST_KEY, 'nodes', 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const exited = new Promise((r) => child.on('exit', r));
        await eventually(() => out, (o) => o.includes(`started ${task.id}`), 15_000, 'the worker on node A to start the task');
        child.kill('SIGKILL');
        await exited;
        const onB = createClient({ url: b.url, apiKey: TEST_KEY, workspace: 'nodes' });
        const worker = createWorker({ client: onB, types: ['slow'], waitMs: 200, handler: (t) => `attempt ${t.attempts} on node B` });
        const done = await eventually(() => onB.tasks.get(task.id), (t) => t.status === 'completed', 15_000, 'the worker on node B to finish the task');
        assert.equal(done.result, 'attempt 2 on node B');
        await worker.stop();
      } finally {
        await a.stop();
        await b.stop();
        await db.cleanup();
      }
    });
  });
}
