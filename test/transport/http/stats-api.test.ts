import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { useWeft, eventually, TEST_KEY } from '../../helpers/weft.js';
import { flowBody } from '../../engine/flow/flow-test-kit.js';

for (const backend of await backends()) {
  describe(`stats, endpoint state and /ws/events on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_WORKER_TYPES: 'ext.job' });

    test('counts by status and throughput per minute', async () => {
      const ws = '?workspace_id=stats';
      for (let i = 0; i < 3; i++) await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: `t${i}`, type: 'gx.tiny' } });
      await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'waits', type: 'ext.job' } });
      await eventually(
        async () => (await weft.api(`/v1/stats/counts${ws}`)).body,
        (c) => c.tasks.completed === 3,
        5000,
        'three completed',
      );
      const counts = (await weft.api(`/v1/stats/counts${ws}`)).body;
      assert.deepEqual(counts, { tasks: { completed: 3, queued: 1 }, flow_instances: {}, processes: {}, endpoints: 0 });
      const t = (await weft.api(`/v1/stats/throughput${ws}&minutes=5`)).body.minutes as Array<{ at: string; tasks_completed: number; transitions_fired: number }>;
      assert.ok(t.length >= 5 && t.length <= 6);
      assert.equal(
        t.reduce((n, b) => n + b.tasks_completed, 0),
        3,
      );
      assert.equal((await weft.api(`/v1/stats/throughput${ws}&minutes=0`)).status, 400);
      assert.equal((await weft.api(`/v1/stats/counts?workspace_id=stats`, { key: null })).status, 403);
    });

    test('the task catalog says who runs each type', async () => {
      const types = (await weft.api('/v1/task-types')).body.types as Array<{ type: string; max_seconds: number; runner: string }>;
      assert.deepEqual(
        types.find((t) => t.type === 'gx.tiny'),
        { type: 'gx.tiny', max_seconds: 3, runner: 'builtin' },
      );
      assert.equal(types.find((t) => t.type === 'ext.job')?.runner, 'worker');
    });

    test("an endpoint's saved state, newest first; bad and unknown ids", async () => {
      const created = await weft.api('/endpoints', {
        method: 'POST',
        json: { name: 'stateful', endpoint: { pattern: '/stateful', method: 'POST' }, transformation: { input: 'JSON', output: 'JSON' }, state: { extract: { requestBody: { last: 'n' } } } },
      });
      assert.equal(created.status, 201);
      const id = created.body._id;
      for (const n of [1, 2]) assert.equal((await weft.api('/stateful', { method: 'POST', json: { n } })).status, 200);
      const states = (await weft.api(`/endpoints/${id}/state`)).body.records as Array<{ created_at: string; record: { requestBody: { last: number } } }>;
      assert.deepEqual(
        states.map((s) => s.record.requestBody.last),
        [2, 1],
      );
      assert.deepEqual((await weft.api(`/endpoints/${id}/state?limit=1`)).body.records.length, 1);
      const bad = await weft.api('/endpoints/nothex/state');
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /Endpoint ID supplied in url is invalid/);
      const unknown = await weft.api('/endpoints/aaaaaaaaaaaaaaaaaaaaaaaa/state');
      assert.deepEqual([unknown.status, unknown.body], [404, { error: 'Endpoint with ID aaaaaaaaaaaaaaaaaaaaaaaa does not exist' }]);
    });

    test('/ws/events pushes process, endpoint, task and flow schema changes of its workspace only', async () => {
      const socket = new WebSocket(`${weft.wsUrl}/ws/events?api_key=${TEST_KEY}&workspace_id=ev`);
      const events: Array<{ event: string; data: Record<string, unknown> }> = [];
      socket.on('message', (d) => events.push(JSON.parse(d.toString())));
      await new Promise((r, j) => (socket.on('open', r), socket.on('error', j)));
      await weft.api('/tasks?workspace_id=other', { method: 'POST', json: { name: 'elsewhere', type: 'ext.job' } });
      const launched = await weft.api('/v1/workflows?workspace_id=ev', { method: 'POST', json: { workflow: ['define', {}, [['echo', { hi: null }, []]]], callback: 'http://127.0.0.1:9/' } });
      assert.equal(launched.status, 201);
      await weft.api('/tasks?workspace_id=ev', { method: 'POST', json: { name: 'here', type: 'ext.job' } });
      const flow = flowBody('pushed', ['a', 'b'], [['go', 'a', 'b']]);
      await weft.api('/v1/flows?workspace_id=other', { method: 'POST', json: flow });
      for (let i = 0; i < 2; i++) assert.equal((await weft.api('/v1/flows?workspace_id=ev', { method: 'POST', json: flow })).status, 201);
      await eventually(
        () => events,
        (e) =>
          e.some((x) => x.event === 'process.changed' && x.data.wfid === launched.body.id) &&
          e.some((x) => x.event === 'task.changed') &&
          e.filter((x) => x.event === 'flow.defined').length === 2,
        5000,
        'process, task and flow schema events',
      );
      assert.deepEqual(
        events.filter((e) => e.event === 'flow.defined').map((e) => e.data),
        [1, 2].map((version) => ({ identifier: 'pushed', version })),
      );
      assert.equal(events.filter((e) => e.event === 'task.changed').length >= 1, true);
      socket.close();
      const refused = new WebSocket(`${weft.wsUrl}/ws/events?api_key=wrong`);
      const status = await new Promise((r) => refused.on('unexpected-response', (_q, res) => r(res.statusCode)));
      assert.equal(status, 403);
    });
  });
}
