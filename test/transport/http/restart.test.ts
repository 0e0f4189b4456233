import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, eventually, TEST_KEY } from '../../helpers/weft.js';
import { startChildWeft } from '../../helpers/child-weft.js';

async function api(url: string, path: string, init: { method?: string; json?: unknown } = {}) {
  const res = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': TEST_KEY, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** A participant that holds every delivery open (never answering) and records each one's webhook-id. */
async function holdingParticipant() {
  const seen: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    seen.push(String(req.headers['webhook-id']));
    held.push(res);
    req.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    seen,
    close: () => new Promise<void>((r) => (held.forEach((h) => h.destroy()), server.close(() => r()))),
  };
}

for (const backend of await backends()) {
  describe(`kill -9 and restart on ${backend.name}`, () => {
    // A node restarted under its own id (WEFT_NODE_ID) takes back what its earlier life held at once,
    // as one with a new id does: nobody else would (the id is alive again), and the tasks would stay
    // running and the deliveries unsent until their leases ran out (for ever for built-in tasks).
    for (const nodeId of [null, 'fixed-node']) {
    test(`every acknowledged task survives; built-in tasks that were running are queued again and finish; a delivery in flight is sent again (${nodeId ? 'the same node id' : 'a new node id'})`, async () => {
      const db = freshDatabase(backend);
      const env = { ...db.env, WEFT_API_KEYS: TEST_KEY, WEFT_WORKER_TYPES: 'ext.job', ...(nodeId && { WEFT_NODE_ID: nodeId }) };
      const participant = await holdingParticipant();
      try {
        // At scale 1, gx.heavy runs for minutes: they are still running when the process is killed.
        const first = await startChildWeft({ ...env, WEFT_TASK_TIME_SCALE: '1' });
        const acknowledged: number[] = [];
        for (let i = 0; i < 3; i++) acknowledged.push((await api(first.url, '/tasks', { method: 'POST', json: { name: `heavy${i}`, type: 'gx.heavy' } })).body.task.id);
        for (let i = 0; i < 20; i++) acknowledged.push((await api(first.url, '/tasks', { method: 'POST', json: { name: `ext${i}`, type: 'ext.job' } })).body.task.id);
        // Every heavy task dispatched (a short draw may even have completed one already).
        await eventually(
          async () => (await api(first.url, '/tasks')).body.tasks,
          (ts: Array<{ name: string; status: string }>) => ts.filter((t) => t.name.startsWith('heavy')).every((t) => t.status !== 'queued'),
          5000,
          'heavy tasks dispatched',
        );
        // A participant delivery in flight (its answer never comes) when the node dies.
        const launch = await api(first.url, '/v1/workflows', { method: 'POST', json: { workflow: 'define\n  alpha', callback: participant.url } });
        assert.equal(launch.status, 201);
        await eventually(async () => participant.seen.length, (n: number) => n === 1, 5000, 'delivery sent');
        first.child.kill('SIGKILL');
        await first.exited;

        const second = await startChildWeft({ ...env, WEFT_TASK_TIME_SCALE: '0.001' });
        try {
          const after = (await api(second.url, '/tasks')).body.tasks as Array<{ id: number; name: string; status: string }>;
          assert.deepEqual(
            after.map((t) => t.id),
            acknowledged,
          );
          await eventually(
            async () => (await api(second.url, '/tasks')).body.tasks,
            (ts: Array<{ name: string; status: string }>) => ts.filter((t) => t.name.startsWith('heavy')).every((t) => t.status === 'completed'),
            10000,
            'heavy tasks completed after the restart',
          );
          const next = await api(second.url, '/tasks', { method: 'POST', json: { name: 'after', type: 'ext.job' } });
          assert.equal(next.body.task.id, 24);
          // Sent again, the same delivery (same webhook-id), well before its lease (10 s + margin) would run out.
          await eventually(async () => participant.seen.length, (n: number) => n >= 2, 8000, 'delivery sent again after the restart');
          assert.equal(participant.seen[1], participant.seen[0]);
        } finally {
          second.child.kill('SIGTERM');
          const { code } = await second.exited;
          assert.equal(code, 0, 'SIGTERM exits cleanly');
        }
      } finally {
        await participant.close();
        await db.cleanup();
      }
    });
    }
  });
}
