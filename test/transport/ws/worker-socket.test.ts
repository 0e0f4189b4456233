import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { useWeft, TEST_KEY, type RunningWeft } from '../../helpers/weft.js';

// /ws/workers: the worker protocol in the envelope; `batch` with acknowledgements and a last `claim`.

interface Reply {
  request_id: unknown;
  status: number;
  errors: { code: string; message: string }[];
  data: any;
}

async function openWorkerSocket(weft: RunningWeft, workspace: string) {
  const ws = new WebSocket(`${weft.wsUrl}/ws/workers?api_key=${TEST_KEY}&workspace_id=${workspace}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiting = new Map<number, (r: Reply) => void>();
  ws.on('message', (raw) => {
    const r = JSON.parse(raw.toString()) as Reply;
    waiting.get(r.request_id as number)?.(r);
  });
  let n = 0;
  return {
    call(action: string, data: unknown): Promise<Reply> {
      const id = ++n;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ request_id: id, action, data }));
      });
    },
    close: () => ws.close(),
  };
}

for (const backend of await backends()) {
  describe(`/ws/workers on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_WORKER_TYPES: 'job', WEFT_TASK_TYPES: 'job:1', WEFT_MAX_RUNNING_PER_WORKSPACE: '3' });

    test('a batch of completions may end with a claim, which runs after them and sees the slots they freed', async () => {
      const headers = { 'x-workspace-id': 'batch-claim' };
      for (let i = 0; i < 5; i++) assert.equal((await weft.api('/tasks', { method: 'POST', headers, json: { name: `t${i}`, type: 'job' } })).status, 200);
      const s = await openWorkerSocket(weft, 'batch-claim');
      try {
        const first = await s.call('claim', { types: ['job'], max: 10 });
        assert.equal(first.status, 200);
        assert.deepEqual(
          first.data.tasks.map((t: { id: number }) => t.id),
          [1, 2, 3],
          'the cap of 3 running',
        );
        const next = await s.call('batch', {
          ops: [
            ...first.data.tasks.map((t: { id: number; lease: string }) => ({ action: 'complete', data: { id: t.id, lease: t.lease, result: { ok: t.id } } })),
            { action: 'claim', data: { types: ['job'], max: 10 } },
          ],
        });
        assert.equal(next.status, 200);
        const results = next.data.results as Reply[];
        assert.equal(results.length, 4);
        assert.deepEqual(
          results.slice(0, 3).map((r) => [r.status, r.data.task.status]),
          [
            [200, 'completed'],
            [200, 'completed'],
            [200, 'completed'],
          ],
        );
        assert.equal(results[3].status, 200);
        assert.deepEqual(
          results[3].data.tasks.map((t: { id: number }) => t.id),
          [4, 5],
        );

        // A claim anywhere but last, or a claim with bad fields: that op's error, the rest applied.
        const bad = await s.call('batch', {
          ops: [
            { action: 'claim', data: { types: ['job'] } },
            { action: 'complete', data: { id: 4, lease: results[3].data.tasks[0].lease } },
            { action: 'claim', data: 'nothing' },
          ],
        });
        assert.equal(bad.status, 200);
        assert.deepEqual(
          bad.data.results.map((r: Reply) => r.status),
          [400, 200, 400],
        );
        assert.equal((await weft.api('/tasks', { headers })).body.tasks.find((t: { id: number }) => t.id === 4).status, 'completed');

        // Completions that cannot apply get their own errors; the others and the claim go ahead.
        const five = results[3].data.tasks[1];
        const mixed = await s.call('batch', {
          ops: [
            { action: 'complete', data: { id: 5, lease: 'not-the-lease' } },
            { action: 'complete', data: { id: 4 } },
            { action: 'complete', data: { id: 99 } },
            { action: 'claim', data: { types: ['job'], max: 10 } },
          ],
        });
        assert.deepEqual(
          mixed.data.results.map((r: Reply) => [r.status, r.errors.map((e) => e.code)]),
          [
            [409, ['WEFT_TASK_LEASE_LOST']],
            [409, ['WEFT_TASK_NOT_RUNNING']],
            [404, ['WEFT_TASK_NOT_FOUND']],
            [200, []],
          ],
        );
        assert.deepEqual(mixed.data.results[3].data.tasks, []);
        const last = await s.call('batch', {
          ops: [
            { action: 'complete', data: { id: 5, lease: five.lease, result: 'five' } },
            { action: 'claim', data: { types: ['job'], max: 10 } },
          ],
        });
        assert.deepEqual(
          last.data.results.map((r: Reply) => r.status),
          [200, 200],
        );
        assert.equal(last.data.results[0].data.task.result, 'five');
      } finally {
        s.close();
      }
    });
  });
}
