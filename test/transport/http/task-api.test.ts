import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { useWeft, eventually, OTHER_KEY, TEST_KEY } from '../../helpers/weft.js';

for (const backend of await backends()) {
  describe(`task API on ${backend.name}`, () => {
    // gx.tiny runs 0–30 ms at this scale; the worker types are only for external workers.
    const weft = useWeft(backend, { WEFT_WORKER_TYPES: 'ext.job,ext.slow', WEFT_TASK_LEASE_MS: '2000', WEFT_TASK_BACKOFF_MS: '20' });

    test('every route needs a key: missing or unknown is 403 {"message":"Forbidden"}', async () => {
      for (const [method, path] of [
        ['GET', '/tasks'],
        ['POST', '/tasks'],
        ['DELETE', '/tasks/1'],
        ['POST', '/tasks/flush'],
        ['POST', '/v1/tasks/claim'],
        ['POST', '/v1/tasks/batch'],
      ]) {
        const none = await weft.api(path, { method, key: null });
        assert.equal(none.status, 403, `${method} ${path}`);
        assert.deepEqual(none.body, { message: 'Forbidden' });
        const wrong = await weft.api(path, { method, key: 'nope' });
        assert.equal(wrong.status, 403);
        assert.deepEqual(wrong.body, { message: 'Forbidden' });
      }
    });

    test('the key is accepted as api_key, X-API-Key and Bearer', async () => {
      assert.equal((await weft.api(`/tasks?api_key=${TEST_KEY}`, { key: null })).status, 200);
      assert.equal((await weft.api('/tasks', { key: TEST_KEY })).status, 200);
      assert.equal((await weft.api('/tasks', { key: null, headers: { authorization: `Bearer ${TEST_KEY}` } })).status, 200);
    });

    test('an invalid workspace id is 400 {"message":"invalid workspace id"}', async () => {
      for (const ws of ['a b', 'x.y', 'é', '%2F', '']) {
        const r = await weft.api(`/tasks?workspace_id=${encodeURIComponent(ws)}`);
        assert.equal(r.status, 400, ws);
        assert.deepEqual(r.body, { message: 'invalid workspace id' });
      }
      const h = await weft.api('/tasks', { headers: { 'x-workspace-id': 'bad id' } });
      assert.equal(h.status, 400);
      // Present but empty is no workspace id either; absent is `default`.
      assert.equal((await weft.api('/tasks', { headers: { 'x-workspace-id': '' } })).status, 400);
      assert.equal((await weft.api('/tasks')).status, 200);
      // A query parameter given twice names no one workspace, nor key (a valid header does not rescue it).
      const twice = await weft.api('/tasks?workspace_id=a&workspace_id=b', { method: 'POST', json: { name: 'x', type: 'ext.job' } });
      assert.deepEqual([twice.status, twice.body], [400, { message: 'invalid workspace id' }]);
      const keyTwice = await weft.api(`/tasks?api_key=${encodeURIComponent(TEST_KEY)}&api_key=${encodeURIComponent(TEST_KEY)}`);
      assert.deepEqual([keyTwice.status, keyTwice.body], [403, { message: 'Forbidden' }]);
    });

    test('POST /tasks validates the body with the contract messages', async () => {
      const cases: Array<[unknown, string]> = [
        [[1, 2], 'invalid request body'],
        ['"text"', 'invalid request body'],
        [{ type: 'gx.tiny' }, 'name is required'],
        [{ name: '', type: 'gx.tiny' }, 'name is required'],
        [{ name: 7, type: 'gx.tiny' }, 'name is required'],
        [{ name: 'x' }, 'invalid task type'],
        [{ name: 'x', type: 'gx.nope' }, 'invalid task type'],
      ];
      for (const [body, message] of cases) {
        const r = await weft.api('/tasks?workspace_id=validation', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.deepEqual(r.body, { message });
      }
      const unknown = await weft.api('/tasks?workspace_id=validation', { method: 'POST', json: { name: 'x', type: 'gx.tiny', colour: 'red' } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.message, 'unknown field: colour');
      assert.deepEqual((await weft.api('/tasks?workspace_id=validation')).body, { tasks: [] });
    });

    test('POST /tasks with an Idempotency-Key: the same request again answers the same task; another body under the key is 422', async () => {
      const post = (json: unknown, key: string, workspace = 'idem') =>
        weft.api(`/tasks?workspace_id=${workspace}`, { method: 'POST', json, headers: { 'idempotency-key': key } });
      const body = { name: 'send invoice 7', type: 'ext.job', payload: { invoice: 7 } };
      const first = await post(body, 'invoice-7');
      assert.equal(first.status, 200);
      const again = await post(body, 'invoice-7');
      assert.deepEqual([again.status, again.body.task.id], [200, first.body.task.id]);
      const other = await post({ ...body, payload: { invoice: 8 } }, 'invoice-7');
      assert.deepEqual([other.status, other.body, other.headers.get('weft-error-code')], [422, { message: 'Idempotency-Key was used for another request' }, 'WEFT_IDEMPOTENCY_KEY_REUSED']);
      assert.equal((await post(body, 'invoice-7', 'idem-elsewhere')).body.task.id, 1, 'keys are per workspace');
      for (const bad of ['with space', 'x'.repeat(256), 'é']) {
        const r = await post(body, bad);
        assert.deepEqual([r.status, r.body.message], [400, 'Idempotency-Key must be 1 to 255 visible ASCII characters'], bad);
      }
      assert.deepEqual((await weft.api('/tasks?workspace_id=idem')).body.tasks.map((t: any) => t.name), ['send invoice 7']);

      // A batch names each task's key in its body; it is all or none.
      const batch = (tasks: unknown[]) => weft.api('/v1/tasks/batch?workspace_id=idem', { method: 'POST', json: { tasks } });
      const a = { name: 'a', type: 'ext.job', idempotency_key: 'batch-a' };
      const one = await batch([a, { name: 'b', type: 'ext.job' }, { ...body, idempotency_key: 'invoice-7' }]);
      assert.equal(one.status, 200);
      assert.equal(one.body.tasks[2].id, first.body.task.id, "the header's key and the body's are one");
      const two = await batch([a, { name: 'c', type: 'ext.job' }]);
      assert.deepEqual(two.body.tasks.map((t: any) => [t.id, t.name]), [[one.body.tasks[0].id, 'a'], [one.body.tasks[1].id + 1, 'c']]);
      const refused = await batch([{ name: 'd', type: 'ext.job' }, { ...a, name: 'a2' }]);
      assert.deepEqual([refused.status, refused.body.message, refused.body.index], [422, 'Idempotency-Key was used for another request', 1]);
      const badKey = await batch([{ name: 'e', type: 'ext.job', idempotency_key: 7 }]);
      assert.deepEqual([badKey.status, badKey.body.message], [400, 'tasks[0]: Idempotency-Key must be 1 to 255 visible ASCII characters']);
      assert.deepEqual((await weft.api('/tasks?workspace_id=idem')).body.tasks.map((t: any) => t.name), ['send invoice 7', 'a', 'b', 'c'], 'nothing of the refused batches');
      const noBodyKey = await weft.api('/tasks?workspace_id=idem', { method: 'POST', json: { ...body, idempotency_key: 'x' } });
      assert.deepEqual([noBodyKey.status, noBodyKey.body.message], [400, 'unknown field: idempotency_key'], 'POST /tasks takes the header');
    });

    test('ids are per workspace and start at 1; keys and workspaces are isolated', async () => {
      const a1 = await weft.api('/tasks?workspace_id=iso-a', { method: 'POST', json: { name: 'one', type: 'ext.job' } });
      assert.equal(a1.status, 200);
      assert.deepEqual({ id: a1.body.task.id, name: a1.body.task.name, type: a1.body.task.type, status: a1.body.task.status }, { id: 1, name: 'one', type: 'ext.job', status: 'queued' });
      const a2 = await weft.api('/tasks?workspace_id=iso-a', { method: 'POST', json: { name: 'two', type: 'ext.job' } });
      assert.equal(a2.body.task.id, 2);
      const b1 = await weft.api('/tasks?workspace_id=iso-b', { method: 'POST', json: { name: 'b', type: 'ext.job' } });
      assert.equal(b1.body.task.id, 1);
      // Another key using the same workspace name sees its own, empty, workspace.
      const other = await weft.api('/tasks?workspace_id=iso-a', { key: OTHER_KEY });
      assert.deepEqual(other.body, { tasks: [] });
      const o1 = await weft.api('/tasks?workspace_id=iso-a', { method: 'POST', json: { name: 'theirs', type: 'ext.job' }, key: OTHER_KEY });
      assert.equal(o1.body.task.id, 1);
      assert.equal((await weft.api('/tasks/2?workspace_id=iso-a', { method: 'DELETE', key: OTHER_KEY })).status, 404);
      const mine = await weft.api('/tasks?workspace_id=iso-a');
      assert.deepEqual(
        mine.body.tasks.map((t: { id: number; name: string }) => [t.id, t.name]),
        [
          [1, 'one'],
          [2, 'two'],
        ],
      );
      const wss = await weft.api('/v1/workspaces');
      assert.ok(wss.body.workspaces.some((w: { id: string }) => w.id === 'iso-b'));
      assert.ok(!(await weft.api('/v1/workspaces', { key: OTHER_KEY })).body.workspaces.some((w: { id: string }) => w.id === 'iso-b'));
    });

    test('POST /v1/tasks/batch enqueues up to 1000 tasks in order with consecutive ids, or none with the first bad one named', async () => {
      const headers = { 'x-workspace-id': 'bulk' };
      assert.equal((await weft.api('/tasks', { method: 'POST', headers, json: { name: 'first', type: 'ext.job' } })).body.task.id, 1);
      const tasks = Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}`, type: 'ext.job', payload: { i }, ...(i === 7 ? { max_attempts: 9 } : {}) }));
      const r = await weft.api('/v1/tasks/batch', { method: 'POST', headers, json: { tasks } });
      assert.equal(r.status, 200);
      assert.equal(r.body.tasks.length, 1000);
      assert.deepEqual(
        r.body.tasks.map((t: { id: number }) => t.id),
        Array.from({ length: 1000 }, (_, i) => i + 2),
      );
      assert.deepEqual(
        [r.body.tasks[7].name, r.body.tasks[7].status, r.body.tasks[7].payload, r.body.tasks[7].max_attempts, r.body.tasks[8].max_attempts],
        ['n7', 'queued', { i: 7 }, 9, 3],
      );
      assert.equal((await weft.api('/tasks', { headers })).body.tasks.length, 1001);

      const bad: Array<[unknown, Record<string, unknown>]> = [
        [[], { message: 'invalid request body' }],
        [{ tasks: [] }, { message: 'tasks must be an array of 1 to 1000 tasks' }],
        [{ tasks: {} }, { message: 'tasks must be an array of 1 to 1000 tasks' }],
        [{ tasks: [...tasks, tasks[0]] }, { message: 'tasks must be an array of 1 to 1000 tasks' }],
        [{ tasks: [{ name: 'a', type: 'ext.job' }], more: 1 }, { message: 'unknown field: more' }],
        // A bad task names itself: its index and the code POST /tasks would have answered.
        [{ tasks: [{ name: 'a', type: 'ext.job' }, { type: 'ext.job' }] }, { message: 'tasks[1]: name is required', index: 1, code: 'WEFT_TASK_NAME_REQUIRED' }],
        [{ tasks: [{ name: 'a', type: 'nope' }] }, { message: 'tasks[0]: invalid task type', index: 0, code: 'WEFT_TASK_TYPE_INVALID' }],
        [{ tasks: [{ name: 'a', type: 'ext.job' }, 7] }, { message: 'tasks[1]: invalid request body', index: 1, code: 'WEFT_TASK_BODY_INVALID' }],
      ];
      for (const [body, expected] of bad) {
        const b = await weft.api('/v1/tasks/batch', { method: 'POST', headers, json: body });
        assert.equal(b.status, 400, JSON.stringify(body).slice(0, 80));
        assert.deepEqual(b.body, expected);
      }
      assert.equal((await weft.api('/v1/tasks/batch', { method: 'POST', headers, json: { tasks: [{ type: 'ext.job' }] } })).headers.get('weft-error-code'), 'WEFT_TASK_BATCH_INVALID');
      // Nothing of a refused batch was kept; the next id follows on.
      assert.equal((await weft.api('/tasks', { headers })).body.tasks.length, 1001);
      assert.equal((await weft.api('/tasks', { method: 'POST', headers, json: { name: 'last', type: 'ext.job' } })).body.task.id, 1002);
    });

    test('the built-in runner takes a task from queued through running to completed within its time-scaled maximum', async () => {
      const seen = new Set<string>();
      const created = await weft.api('/tasks?workspace_id=life', { method: 'POST', json: { name: 'work', type: 'gx.small' } });
      seen.add(created.body.task.status);
      const done = await eventually(
        async () => {
          const t = (await weft.api('/tasks/1?workspace_id=life')).body.task;
          seen.add(t.status);
          return t;
        },
        (t) => t.status === 'completed',
        5000,
        'completion',
      );
      // gx.small: max 10 s × 0.01 = 100 ms. The runner records the time it drew; the timestamps cover it.
      assert.equal(done.attempts, 1);
      assert.ok(done.started_at && done.finished_at);
      assert.ok(seen.has('queued'));
      assert.equal(done.result.runner, 'builtin');
      assert.ok(done.result.duration_ms >= 0 && done.result.duration_ms < 100, `drawn in [0, 100) ms: ${done.result.duration_ms}`);
      assert.ok(new Date(done.finished_at).getTime() - new Date(done.started_at).getTime() >= done.result.duration_ms - 1);
    });

    test('DELETE only while queued: 204, then 404; invalid ids are 400', async () => {
      const t = (await weft.api('/tasks?workspace_id=del', { method: 'POST', json: { name: 'd', type: 'ext.job' } })).body.task;
      const d = await weft.api(`/tasks/${t.id}?workspace_id=del`, { method: 'DELETE' });
      assert.equal(d.status, 204);
      assert.equal(d.text, '');
      const again = await weft.api(`/tasks/${t.id}?workspace_id=del`, { method: 'DELETE' });
      assert.equal(again.status, 404);
      assert.equal(typeof again.body.message, 'string');
      for (const bad of ['abc', '1.5', '-1', '0', '99999999999999999999999', '1e3']) {
        const r = await weft.api(`/tasks/${bad}?workspace_id=del`, { method: 'DELETE' });
        assert.equal(r.status, 400, bad);
        assert.deepEqual(r.body, { message: 'invalid task id' });
      }
      assert.equal((await weft.api('/tasks/424242?workspace_id=del', { method: 'DELETE' })).status, 404);
      // Once dispatched (claimed by a worker), a task can no longer be deleted.
      const t2 = (await weft.api('/tasks?workspace_id=del', { method: 'POST', json: { name: 'd2', type: 'ext.job' } })).body.task;
      const claim = await weft.api('/v1/tasks/claim?workspace_id=del', { method: 'POST', json: { types: ['ext.job'], max: 5 } });
      assert.deepEqual(
        claim.body.tasks.map((x: { id: number }) => x.id),
        [t2.id],
      );
      const dispatched = await weft.api(`/tasks/${t2.id}?workspace_id=del`, { method: 'DELETE' });
      assert.equal(dispatched.status, 404);
      assert.match(dispatched.body.message, /dispatched/);
    });

    test('flush hides every task that left the queue; running ones keep running and keep their slot', async () => {
      const ws = '?workspace_id=flush';
      for (const name of ['a', 'b', 'c']) await weft.api(`/tasks${ws}`, { method: 'POST', json: { name, type: 'ext.job' } });
      const claimed = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'], max: 2 } })).body.tasks;
      assert.equal(claimed.length, 2);
      await weft.api(`/v1/tasks/${claimed[0].id}/complete${ws}`, { method: 'POST', json: { lease: claimed[0].lease, result: { ok: true } } });
      const f = await weft.api(`/tasks/flush${ws}`, { method: 'POST' });
      assert.equal(f.status, 204);
      const left = (await weft.api(`/tasks${ws}`)).body.tasks;
      assert.deepEqual(
        left.map((t: { name: string; status: string }) => [t.name, t.status]),
        [['c', 'queued']],
      );
      // The flushed running task still completes, and still holds its slot while it runs.
      const done = await weft.api(`/v1/tasks/${claimed[1].id}/complete${ws}`, { method: 'POST', json: { lease: claimed[1].lease } });
      assert.equal(done.status, 200);
      assert.equal(done.body.task.status, 'completed');
      assert.equal((await weft.api(`/tasks${ws}`)).body.tasks.length, 1);
    });

    test('the running cap holds with 50 tasks queued', async () => {
      const ws = '?workspace_id=cap';
      const pk = (await weft.engine.auth.workspace((await weft.engine.auth.authenticate(TEST_KEY)).id, 'cap')).pk;
      // After every committed change of the workspace, count its running tasks in a committed
      // snapshot of the database (one count at a time; a change during a count asks for another).
      let maxRunning = 0;
      let counting = false;
      let again = false;
      const count = async () => {
        if (counting) return void (again = true);
        counting = true;
        do {
          again = false;
          maxRunning = Math.max(maxRunning, (await weft.engine.store.tasks.countByStatus(pk)).running);
        } while (again);
        counting = false;
      };
      const off = weft.engine.bus.on('task:changed', (e) => {
        if (e.ws === pk) void count();
      });
      try {
        for (let i = 0; i < 50; i++) await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: `t${i}`, type: 'gx.medium' } });
        await eventually(
          async () => (await weft.api(`/tasks${ws}`)).body.tasks as Array<{ status: string }>,
          (ts) => ts.length === 50 && ts.every((t) => t.status === 'completed'),
          60000,
          'all 50 completed',
        );
      } finally {
        off();
      }
      assert.ok(maxRunning <= 6, `at most 6 running at once, saw ${maxRunning}`);
      assert.ok(maxRunning >= 2, `the runner works in parallel, saw ${maxRunning}`);
    });

    test('an external worker claims, heartbeats, completes; a failure is retried with backoff, then failed', async () => {
      const ws = '?workspace_id=worker';
      const t = (await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'job', type: 'ext.job', payload: { n: 1 } } })).body.task;
      const [c] = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'], max: 10 } })).body.tasks;
      assert.equal(c.id, t.id);
      assert.equal(c.status, 'running');
      assert.deepEqual(c.payload, { n: 1 });
      assert.equal(typeof c.lease, 'string');
      const hb = await weft.api(`/v1/tasks/${c.id}/heartbeat${ws}`, { method: 'POST', json: { lease: c.lease } });
      assert.equal(hb.status, 200);
      const wrong = await weft.api(`/v1/tasks/${c.id}/complete${ws}`, { method: 'POST', json: { lease: 'not-it' } });
      assert.equal(wrong.status, 409);
      const ok = await weft.api(`/v1/tasks/${c.id}/complete${ws}`, { method: 'POST', json: { lease: c.lease, result: { answer: 42 } } });
      assert.equal(ok.body.task.status, 'completed');
      assert.deepEqual(ok.body.task.result, { answer: 42 });
      const twice = await weft.api(`/v1/tasks/${c.id}/complete${ws}`, { method: 'POST', json: { lease: c.lease } });
      assert.equal(twice.status, 409);

      const f = (await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'flaky', type: 'ext.job', max_attempts: 2 } })).body.task;
      const [f1] = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'] } })).body.tasks;
      assert.equal(f1.id, f.id);
      const failedAt = Date.now();
      const failed1 = await weft.api(`/v1/tasks/${f.id}/fail${ws}`, { method: 'POST', json: { lease: f1.lease, error: { message: 'boom' } } });
      assert.equal(failed1.body.task.status, 'queued');
      // The retry waits its backoff (10–30 ms here): due after the failure, however late the answer comes.
      assert.ok(new Date(failed1.body.task.run_at).getTime() >= failedAt + 10, `run_at ${failed1.body.task.run_at} is after the failure`);
      // Long poll: the retry becomes claimable after its backoff.
      const [f2] = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'], wait_ms: 3000 } })).body.tasks;
      assert.equal(f2.id, f.id);
      assert.equal(f2.attempts, 2);
      const failed2 = await weft.api(`/v1/tasks/${f.id}/fail${ws}`, { method: 'POST', json: { lease: f2.lease, error: { message: 'boom again' } } });
      assert.equal(failed2.body.task.status, 'failed');
      assert.deepEqual(failed2.body.task.error, { message: 'boom again' });

      const nr = (await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'fatal', type: 'ext.job' } })).body.task;
      const [n1] = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'] } })).body.tasks;
      assert.equal(n1.id, nr.id);
      const fatal = await weft.api(`/v1/tasks/${nr.id}/fail${ws}`, { method: 'POST', json: { lease: n1.lease, error: 'bad input', retryable: false } });
      assert.equal(fatal.body.task.status, 'failed');
    });

    test('an expired lease puts the task back in the queue; the late worker is refused', async () => {
      const ws = '?workspace_id=lease';
      const t = (await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'slow', type: 'ext.slow' } })).body.task;
      const [c1] = (await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.slow'] } })).body.tasks;
      assert.equal(c1.id, t.id);
      // The lease is 2 s (long enough for the other tests' workers on a loaded machine); the sweep runs every 500 ms.
      const again = await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.slow'], wait_ms: 10000 } });
      assert.equal(again.body.tasks.length, 1);
      const c2 = again.body.tasks[0];
      assert.equal(c2.id, t.id);
      assert.equal(c2.attempts, 2);
      const late = await weft.api(`/v1/tasks/${t.id}/complete${ws}`, { method: 'POST', json: { lease: c1.lease } });
      assert.equal(late.status, 409);
      const ok = await weft.api(`/v1/tasks/${t.id}/complete${ws}`, { method: 'POST', json: { lease: c2.lease } });
      assert.equal(ok.body.task.status, 'completed');
    });

    test('a claim waits (long poll) until a task arrives', async () => {
      const ws = '?workspace_id=longpoll';
      const pending = weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'], wait_ms: 5000 } });
      await new Promise((r) => setTimeout(r, 100));
      await weft.api(`/tasks${ws}`, { method: 'POST', json: { name: 'late', type: 'ext.job' } });
      const r = await pending;
      assert.equal(r.body.tasks.length, 1);
      assert.equal(r.body.tasks[0].name, 'late');
      const empty = await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['ext.job'], wait_ms: 50 } });
      assert.deepEqual(empty.body, { tasks: [] });
    });

    test('claim and finish requests are validated', async () => {
      const ws = '?workspace_id=claimval';
      for (const body of [{}, { types: [] }, { types: 'x' }, { types: ['a'], max: 0 }, { types: ['a'], max: 1000 }, { types: ['a'], wait_ms: -1 }, { types: ['a'], extra: 1 }]) {
        const r = await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: body });
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(typeof r.body.message, 'string');
      }
      // The messages say what is allowed.
      const types = await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: Array.from({ length: 101 }, (_, i) => `t${i}`) } });
      assert.equal(types.body.message, 'types must be an array of 1 to 100 task type names (1 to 200 characters each)');
      const worker = await weft.api(`/v1/tasks/claim${ws}`, { method: 'POST', json: { types: ['a'], worker_id: 'w'.repeat(201) } });
      assert.equal(worker.body.message, 'worker_id must be a string of at most 200 characters');
      assert.equal((await weft.api(`/v1/tasks/77/complete${ws}`, { method: 'POST', json: {} })).status, 404);
      assert.equal((await weft.api(`/v1/tasks/abc/complete${ws}`, { method: 'POST', json: {} })).status, 400);
    });
  });
}
