import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { useWeft, freshDatabase, startWeft, OTHER_KEY } from '../../helpers/weft.js';
import { flowApi, flowBody } from '../../engine/flow/flow-test-kit.js';

const NO_MATCH = 'Invalid transition argument or no active step matches the transition identifier.';

for (const backend of await backends()) {
  describe(`flows REST API on ${backend.name}`, () => {
    const weft = useWeft(backend);

    test('every flow route needs a key', async () => {
      for (const [method, path] of [
        ['GET', '/v1/flows'],
        ['POST', '/v1/flows'],
        ['PUT', '/v1/subjects/a'],
        ['POST', '/v1/flow-instances'],
        ['POST', '/v1/flow-instances/00000000-0000-4000-8000-000000000000/transitions'],
      ]) {
        const r = await weft.api(path, { method, key: null });
        assert.equal(r.status, 403, `${method} ${path}`);
        assert.deepEqual(r.body, { message: 'Forbidden' });
      }
    });

    test('a body that is not JSON is WEFT_FLOW_REQUEST_INVALID on every flow route; an empty one on pause/resume/exit is no body', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      for (const [method, path] of [
        ['POST', '/v1/flows'],
        ['PUT', '/v1/subjects/a'],
        ['POST', '/v1/flow-instances'],
        ['POST', `/v1/flow-instances/${id}/pause`],
        ['POST', `/v1/flow-instances/${id}/transitions`],
      ]) {
        const r = await weft.api(path, { method, body: '{nope', headers: { 'content-type': 'application/json' } });
        assert.deepEqual([r.status, r.headers.get('weft-error-code'), r.body.message], [400, 'WEFT_FLOW_REQUEST_INVALID', 'the request body is not valid JSON'], `${method} ${path}`);
      }
      for (const action of ['pause', 'resume', 'exit']) {
        const r = await weft.api(`/v1/flow-instances/${id}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 404, action);
      }
    });

    test('flow schemas: create, versions, get, list, 404s', async () => {
      const api = flowApi(weft, 'schemas');
      const v1 = await api.post('/v1/flows', flowBody('onboarding', ['welcome', 'done'], [['next', 'welcome', 'done']]));
      assert.equal(v1.status, 201);
      assert.equal(v1.body.identifier, 'onboarding');
      assert.equal(v1.body.version, 1);
      assert.deepEqual(
        v1.body.transitions.map((t: { identifier: string; type: string; condition: null }) => [t.identifier, t.type, t.condition]),
        [['next', 'manual', null]],
      );
      const v2 = await api.post('/v1/flows', flowBody('onboarding', ['welcome', 'tour', 'done'], [['next', 'welcome', 'tour'], ['next', 'tour', 'done']]));
      assert.equal(v2.status, 201);
      assert.equal(v2.body.version, 2);
      await api.define(flowBody('adoption', ['a'], []));

      const latest = await api.get('/v1/flows/onboarding');
      assert.equal(latest.status, 200);
      assert.equal(latest.body.version, 2);
      assert.deepEqual(latest.body.steps.map((s: { identifier: string }) => s.identifier), ['welcome', 'tour', 'done']);
      const first = await api.get('/v1/flows/onboarding/versions/1');
      assert.equal(first.body.version, 1);
      assert.equal(first.body.steps.length, 2);
      const list = await api.get('/v1/flows');
      assert.deepEqual(
        list.body.flows.map((f: { identifier: string; version: number }) => [f.identifier, f.version]),
        [
          ['adoption', 1],
          ['onboarding', 2],
        ],
      );

      assert.equal((await api.get('/v1/flows/nope')).status, 404);
      assert.deepEqual((await api.get('/v1/flows/nope')).body, { message: 'flow nope not found' });
      assert.deepEqual((await api.get('/v1/flows/onboarding/versions/3')).body, { message: 'flow onboarding has no version 3' });
      assert.equal((await api.get('/v1/flows/onboarding/versions/0')).status, 400);
      assert.equal((await api.get('/v1/flows/onboarding/versions/99999999999999999999')).status, 400);
      // Another workspace and another key see none of it.
      assert.deepEqual((await flowApi(weft, 'elsewhere').get('/v1/flows')).body, { flows: [] });
      assert.equal((await weft.api('/v1/flows/onboarding?workspace_id=schemas', { key: OTHER_KEY })).status, 404);
    });

    test('an invalid schema is a 400 listing every problem', async () => {
      const api = flowApi(weft, 'schemas-invalid');
      const cases: Array<[unknown, string]> = [
        [flowBody('f', ['a', 'b'], [['go', 'a', 'zz']]), 'unknown_step'],
        [flowBody('f', ['a', 'a'], []), 'duplicate_step'],
        [flowBody('f', ['a', 'b'], [['go', 'a', 'b'], ['back', 'b', 'a']]), 'no_start_step'],
        [flowBody('f', ['a', 'b'], [['go', 'a', 'b', 'manual', '(${data.x} == 1']]), 'invalid_condition'],
        [{ identifier: 'not a slug', steps: [{ identifier: 'a' }] }, 'invalid_slug'],
        [{ identifier: 'f' }, 'required'],
      ];
      for (const [body, code] of cases) {
        const r = await api.post('/v1/flows', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.message, 'invalid flow schema');
        assert.ok(
          r.body.errors.some((e: { code: string }) => e.code === code),
          `${code} in ${JSON.stringify(r.body.errors)}`,
        );
      }
      const long = await api.post('/v1/flows', flowBody('x'.repeat(201), ['a'], []));
      assert.equal(long.status, 400);
      assert.equal(long.body.errors[0].code, 'too_long');
      assert.deepEqual((await api.get('/v1/flows')).body, { flows: [] });
    });

    test('an automatic chain of 3 steps runs to completed at start', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(flowBody('auto-chain', ['s1', 's2', 's3'], [['t1', 's1', 's2', 'automatic'], ['t2', 's2', 's3', 'automatic']]));
      const i = await api.start('auto-chain', 'ann@example.com');
      assert.equal(i.state, 'completed');
      assert.deepEqual(i.steps, { s1: 'completed', s2: 'completed', s3: 'completed' });
      assert.equal(i.seq, 1);
      assert.equal(i.version, 1);
      const h = await api.get(`/v1/flow-instances/${i.id}/history`);
      assert.deepEqual(
        h.body.history.map((e: { transition: string; from: string; to: string; type: string; seq: number }) => [e.transition, e.from, e.to, e.type, e.seq]),
        [
          ['t1', 's1', 's2', 'automatic', 1],
          ['t2', 's2', 's3', 'automatic', 1],
        ],
      );
    });

    test('a manual chain, then manual followed by automatic', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(flowBody('manual-chain', ['s1', 's2', 's3'], [['next', 's1', 's2'], ['next', 's2', 's3']]));
      const i = await api.start('manual-chain', 'ann@example.com');
      assert.deepEqual([i.state, i.steps], ['active', { s1: 'active', s2: 'inactive', s3: 'inactive' }]);
      const r1 = await api.fire(i.id, 'next');
      assert.equal(r1.status, 200);
      assert.equal(r1.body.result, 'success');
      assert.deepEqual([r1.body.instance.state, r1.body.instance.steps, r1.body.instance.seq], ['active', { s1: 'completed', s2: 'active', s3: 'inactive' }, 2]);
      const r2 = await api.fire(i.id, 'next', { step: 's2' });
      assert.deepEqual([r2.body.instance.state, r2.body.instance.steps, r2.body.instance.seq], ['completed', { s1: 'completed', s2: 'completed', s3: 'completed' }, 3]);

      await api.define(flowBody('manual-auto', ['s1', 's2', 's3', 's4'], [['go', 's1', 's2'], ['t', 's2', 's3', 'automatic'], ['finish', 's3', 's4']]));
      const m = await api.start('manual-auto', 'ann@example.com');
      const r = await api.fire(m.id, 'go');
      assert.deepEqual([r.body.instance.state, r.body.instance.steps], ['active', { s1: 'completed', s2: 'completed', s3: 'active', s4: 'inactive' }]);
      const h = await api.get(`/v1/flow-instances/${m.id}/history`);
      assert.deepEqual(
        h.body.history.map((e: { transition: string; type: string; seq: number }) => [e.transition, e.type, e.seq]),
        [
          ['go', 'manual', 2],
          ['t', 'automatic', 2],
        ],
      );
    });

    test('an invalid transition leaves the state unchanged with the exact message', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(flowBody('invalid', ['s1', 's2', 's3'], [['next', 's1', 's2'], ['later', 's2', 's3']]));
      const i = await api.start('invalid', 'bob');
      for (const [transition, extra, status, code] of [
        ['nope', {}, 400, 'WEFT_FLOW_TRANSITION_UNKNOWN'],
        ['later', {}, 409, 'WEFT_FLOW_TRANSITION_UNAVAILABLE'],
        ['next', { step: 's2' }, 400, 'WEFT_FLOW_TRANSITION_UNKNOWN'],
      ] as const) {
        const r = await api.fire(i.id, transition, extra);
        assert.equal(r.status, status, transition);
        assert.deepEqual(r.body, { result: 'failure', message: NO_MATCH, errors: [{ code, message: NO_MATCH }] });
        assert.equal(r.headers.get('weft-error-code'), code);
      }
      const after = await api.get(`/v1/flow-instances/${i.id}`);
      assert.deepEqual(after.body, i);
      assert.deepEqual((await api.get(`/v1/flow-instances/${i.id}/history`)).body, { history: [] });
    });

    test('manual branching: taking one branch to a terminal step completes the flow', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(flowBody('branch', ['s1', 's2a', 's2b'], [['take-a', 's1', 's2a'], ['take-b', 's1', 's2b']]));
      const i = await api.start('branch', 'carol');
      const r = await api.fire(i.id, 'take-b');
      assert.deepEqual([r.body.instance.state, r.body.instance.steps], ['completed', { s1: 'completed', s2a: 'inactive', s2b: 'completed' }]);
      const again = await api.fire(i.id, 'take-a');
      assert.equal(again.status, 409);
      assert.equal(again.body.errors[0].code, 'WEFT_FLOW_INSTANCE_NOT_ACTIVE');
    });

    test('automatic branching activates both targets', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(
        flowBody('auto-branch', ['s1', 's2a', 's2b', 's3'], [['split', 's1', 's2a', 'automatic'], ['split', 's1', 's2b', 'automatic'], ['join', 's2a', 's3'], ['join', 's2b', 's3']]),
      );
      const i = await api.start('auto-branch', 'carol');
      assert.deepEqual([i.state, i.steps], ['active', { s1: 'completed', s2a: 'active', s2b: 'active', s3: 'inactive' }]);
      assert.deepEqual(i.active_steps, ['s2a', 's2b']);
    });

    test('automatic transitions run only when their condition holds; an automatic cycle is cut off and nothing is stored', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(
        flowBody('auto-cond', ['s1', 'pro', 'free'], [['route', 's1', 'pro', 'automatic', '${subject.plan} == pro'], ['route', 's1', 'free', 'automatic', '${subject.plan} != pro']]),
      );
      await api.put('/v1/subjects/paid', { properties: { plan: 'pro' } });
      const paid = await api.start('auto-cond', 'paid');
      assert.deepEqual([paid.state, paid.steps], ['completed', { s1: 'completed', pro: 'completed', free: 'inactive' }]);
      const free = await api.start('auto-cond', 'free-user');
      assert.deepEqual(free.steps, { s1: 'completed', pro: 'inactive', free: 'completed' });

      await api.define(flowBody('spin', ['s0', 'a', 'b'], [['go', 's0', 'a'], ['loop', 'a', 'b', 'automatic'], ['loop', 'b', 'a', 'automatic']]));
      const i = await api.start('spin', 'dizzy');
      const r = await api.fire(i.id, 'go');
      assert.equal(r.status, 409);
      assert.equal(r.body.errors[0].code, 'WEFT_FLOW_AUTOMATIC_CYCLE');
      assert.equal((await api.get(`/v1/flow-instances/${i.id}`)).body.seq, 1);
      await api.define(flowBody('spin-at-start', ['a', 'b', 'c'], [['loop', 'a', 'b', 'automatic'], ['loop', 'b', 'c', 'automatic'], ['loop', 'c', 'b', 'automatic']]));
      const atStart = await api.post('/v1/flow-instances', { flow: 'spin-at-start', subject: 'dizzy' });
      assert.equal(atStart.status, 409);
      assert.match(atStart.body.message, /cut off after 1000 firings/);
      assert.equal((await api.get('/v1/flow-instances?flow=spin-at-start')).body.instances.length, 0);
    });

    test('shared identifiers: four transitions named complete in a diamond', async () => {
      const api = flowApi(weft, 'engine');
      await api.define(
        flowBody('diamond', ['s1', 's2a', 's2b', 's3'], [['complete', 's1', 's2a'], ['complete', 's1', 's2b'], ['complete', 's2a', 's3'], ['complete', 's2b', 's3']]),
      );
      const i = await api.start('diamond', 'dave');
      const first = await api.fire(i.id, 'complete');
      assert.deepEqual([first.body.instance.state, first.body.instance.steps], ['active', { s1: 'completed', s2a: 'active', s2b: 'active', s3: 'inactive' }]);
      const second = await api.fire(i.id, 'complete');
      assert.deepEqual([second.body.instance.state, second.body.instance.steps], ['completed', { s1: 'completed', s2a: 'completed', s2b: 'completed', s3: 'completed' }]);
      assert.equal((await api.get(`/v1/flow-instances/${i.id}/history`)).body.history.length, 4);
    });

    test('subjects are isolated from each other and workspaces from each other', async () => {
      const api = flowApi(weft, 'isolation');
      await api.define(flowBody('journey', ['s1', 's2', 's3'], [['next', 's1', 's2'], ['next', 's2', 's3']]));
      const a = await api.start('journey', 'a@example.com');
      const b = await api.start('journey', 'b@example.com');
      await api.fire(a.id, 'next');
      await api.fire(a.id, 'next');
      assert.equal((await api.get(`/v1/flow-instances/${a.id}`)).body.state, 'completed');
      const bNow = (await api.get(`/v1/flow-instances/${b.id}`)).body;
      assert.deepEqual([bNow.state, bNow.steps, bNow.seq], ['active', { s1: 'active', s2: 'inactive', s3: 'inactive' }, 1]);
      const subjectA = await api.get(`/v1/subjects/${encodeURIComponent('a@example.com')}`);
      assert.equal(subjectA.status, 200);
      assert.deepEqual(subjectA.body.instances.map((i: { id: string }) => i.id), [a.id]);
      const list = await api.get(`/v1/flow-instances?subject=${encodeURIComponent('b@example.com')}`);
      assert.deepEqual(list.body.instances.map((i: { id: string }) => i.id), [b.id]);
      assert.deepEqual((await api.get('/v1/flow-instances?state=completed')).body.instances.map((i: { id: string }) => i.id), [a.id]);
      // Oldest first by creation time (two starts within one millisecond may come in either order).
      const page1 = (await api.get('/v1/flow-instances?flow=journey&limit=1')).body.instances.map((i: { id: string }) => i.id);
      const page2 = (await api.get('/v1/flow-instances?flow=journey&limit=1&offset=1')).body.instances.map((i: { id: string }) => i.id);
      assert.deepEqual([...page1, ...page2].sort(), [a.id, b.id].sort());
      // The same subject key in another workspace is another subject; ids of this one are 404 there.
      const other = flowApi(weft, 'isolation-2');
      assert.equal((await other.get(`/v1/flow-instances/${a.id}`)).status, 404);
      assert.equal((await other.fire(a.id, 'next')).status, 404);
      assert.equal((await other.get(`/v1/subjects/${encodeURIComponent('a@example.com')}`)).status, 404);
      assert.equal((await other.post(`/v1/flow-instances/${b.id}/exit`)).status, 404);
      assert.equal((await api.get(`/v1/flow-instances/${b.id}`)).body.state, 'active');
    });

    test('one instance per subject and flow: a second start is 409, also when many race', async () => {
      const api = flowApi(weft, 'once');
      await api.define(flowBody('once', ['s1', 's2'], [['next', 's1', 's2']]));
      const i = await api.start('once', 'eve');
      const again = await api.post('/v1/flow-instances', { flow: 'once', subject: 'eve' });
      assert.equal(again.status, 409);
      assert.equal(again.body.message, 'flow once is already started for subject eve');
      assert.equal(again.body.flow_instance_id, i.id);
      const raced = await Promise.all(Array.from({ length: 12 }, () => api.post('/v1/flow-instances', { flow: 'once', subject: 'frank' })));
      assert.deepEqual(raced.map((r) => r.status).sort(), [201, ...Array(11).fill(409)]);
      assert.equal((await api.get('/v1/flow-instances?subject=frank')).body.instances.length, 1);
      assert.equal((await api.post('/v1/flow-instances', { flow: 'missing', subject: 'eve' })).status, 404);
      assert.deepEqual((await api.post('/v1/flow-instances', { flow: 'missing', subject: 'eve' })).body, { message: 'flow missing not found' });
    });

    test('conditions: true, false (409 naming it) and failing (400), over subject, data and input', async () => {
      const api = flowApi(weft, 'conditions');
      await api.define(
        flowBody(
          'upgrade',
          ['s1', 's2', 's3'],
          [
            ['upgrade', 's1', 's2', 'manual', '${subject.plan} == pro and ${input.confirmed} == true'],
            ['broken', 's1', 's3', 'manual', '${data.x} =~ /(/'],
          ],
        ),
      );
      await api.put('/v1/subjects/gina', { properties: { plan: 'free' } });
      const i = await api.start('upgrade', 'gina', { x: 1 });
      const no = await api.fire(i.id, 'upgrade', { input: { confirmed: true } });
      assert.equal(no.status, 409);
      assert.equal(no.body.result, 'failure');
      assert.equal(no.body.message, "Condition not met for transition 'upgrade' (s1 -> s2): ${subject.plan} == pro and ${input.confirmed} == true");
      assert.equal(no.body.errors[0].code, 'WEFT_FLOW_CONDITION_FALSE');
      const broken = await api.fire(i.id, 'broken');
      assert.equal(broken.status, 400);
      assert.equal(broken.body.errors[0].code, 'WEFT_CONDITION_INVALID');
      assert.match(broken.body.message, /^cannot evaluate condition/);
      assert.equal((await api.get(`/v1/flow-instances/${i.id}`)).body.seq, 1);
      // The subject's properties are read at each transition.
      assert.equal((await api.put('/v1/subjects/gina', { properties: { plan: 'pro' } })).status, 200);
      assert.equal((await api.fire(i.id, 'upgrade', { input: { confirmed: false } })).status, 409);
      const yes = await api.fire(i.id, 'upgrade', { input: { confirmed: true } });
      assert.equal(yes.status, 200);
      assert.deepEqual(yes.body.instance.steps, { s1: 'completed', s2: 'completed', s3: 'inactive' });
    });

    test('versioning: running instances keep their version, new ones start on the latest', async () => {
      const api = flowApi(weft, 'versions');
      await api.define(flowBody('tour', ['s1', 's2'], [['next', 's1', 's2']]));
      const old = await api.start('tour', 'henry');
      await api.define(flowBody('tour', ['s1', 'extra', 's2'], [['next', 's1', 'extra'], ['more', 'extra', 's2']]));
      const fresh = await api.start('tour', 'ida');
      assert.deepEqual([old.version, fresh.version], [1, 2]);
      const o = await api.fire(old.id, 'next');
      assert.deepEqual([o.body.instance.version, o.body.instance.state, o.body.instance.steps], [1, 'completed', { s1: 'completed', s2: 'completed' }]);
      const f = await api.fire(fresh.id, 'next');
      assert.deepEqual([f.body.instance.version, f.body.instance.state, f.body.instance.steps], [2, 'active', { s1: 'completed', extra: 'active', s2: 'inactive' }]);
      assert.equal((await api.fire(old.id, 'more')).status, 409);
    });

    test('a repeated request_id returns the first result and changes nothing', async () => {
      const api = flowApi(weft, 'idempotent');
      await api.define(
        flowBody('ring', ['s0', 's1', 's2'], [['begin', 's0', 's1', 'automatic'], ['flip', 's1', 's2'], ['flip', 's2', 's1'], ['gated', 's1', 's2', 'manual', '${subject.ok} == yes']]),
      );
      const i = await api.start('ring', 'jack');
      const first = await api.fire(i.id, 'flip', { request_id: 'req-1' });
      assert.equal(first.body.instance.seq, 2);
      const again = await api.fire(i.id, 'flip', { request_id: 'req-1' });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      const now = (await api.get(`/v1/flow-instances/${i.id}`)).body;
      assert.deepEqual([now.seq, now.steps], [2, { s0: 'completed', s1: 'completed', s2: 'active' }]);
      const history = (await api.get(`/v1/flow-instances/${i.id}/history`)).body.history;
      assert.deepEqual(
        history.map((h: { transition: string; request_id: string | null }) => [h.transition, h.request_id]),
        [
          ['begin', null],
          ['flip', 'req-1'],
        ],
      );
      // A number and its decimal text are the same request id; a new id applies again.
      await api.fire(i.id, 'flip', { request_id: 7 });
      assert.equal((await api.fire(i.id, 'flip', { request_id: '7' })).body.instance.seq, 3);
      // A failure is the first result too: the same id stays a failure after the condition would hold.
      const denied = await api.fire(i.id, 'gated', { request_id: 'req-g' });
      assert.equal(denied.status, 409);
      await api.put('/v1/subjects/jack', { properties: { ok: 'yes' } });
      const repeat = await api.fire(i.id, 'gated', { request_id: 'req-g' });
      assert.deepEqual([repeat.status, repeat.body], [409, denied.body]);
      assert.equal((await api.fire(i.id, 'gated', { request_id: 'req-g2' })).status, 200);
      // Request ids are per instance.
      const other = await api.start('ring', 'kim');
      assert.equal((await api.fire(other.id, 'flip', { request_id: 'req-1' })).body.instance.seq, 2);
    });

    test('pause, resume and exit', async () => {
      const api = flowApi(weft, 'lifecycle');
      await api.define(flowBody('life', ['s1', 's2', 's3'], [['next', 's1', 's2'], ['next', 's2', 's3']]));
      const i = await api.start('life', 'liz');
      const paused = await api.post(`/v1/flow-instances/${i.id}/pause`);
      assert.deepEqual([paused.status, paused.body.state, paused.body.steps.s1, paused.body.seq], [200, 'paused', 'paused', 2]);
      const blocked = await api.fire(i.id, 'next');
      assert.equal(blocked.status, 409);
      assert.equal(blocked.body.message, 'The flow instance is paused; it cannot take transitions.');
      assert.equal((await api.post(`/v1/flow-instances/${i.id}/pause`)).status, 409);
      const resumed = await api.post(`/v1/flow-instances/${i.id}/resume`);
      assert.deepEqual([resumed.body.state, resumed.body.steps.s1], ['active', 'active']);
      assert.equal((await api.fire(i.id, 'next')).status, 200);
      const exited = await api.post(`/v1/flow-instances/${i.id}/exit`);
      assert.deepEqual([exited.body.state, exited.body.steps], ['exited', { s1: 'completed', s2: 'active', s3: 'inactive' }]);
      const r = await api.post(`/v1/flow-instances/${i.id}/resume`);
      assert.deepEqual([r.status, r.body.message], [409, 'The flow instance is exited; it cannot be resumed.']);
      assert.equal((await api.fire(i.id, 'next')).status, 409);
    });

    test('the manual transitions an instance offers now, each with whether it would fire', async () => {
      const api = flowApi(weft, 'offers');
      await api.define(
        flowBody('offer', ['welcome', 'pro', 'ok', 'done'], [
          ['complete', 'welcome', 'done'],
          ['upgrade', 'welcome', 'pro', 'manual', '${subject.plan} == pro'],
          ['approve', 'welcome', 'ok', 'manual', '${input.ok} == true'],
          ['auto', 'pro', 'done', 'automatic'],
        ]),
      );
      await api.put('/v1/subjects/sam', { properties: { plan: 'team' } });
      const { id } = await api.start('offer', 'sam');
      const now = await api.get(`/v1/flow-instances/${id}/transitions`);
      assert.equal(now.status, 200);
      assert.deepEqual(
        now.body.transitions.map((t: any) => [t.identifier, t.from, t.to, t.available]),
        [['complete', 'welcome', 'done', true], ['upgrade', 'welcome', 'pro', false], ['approve', 'welcome', 'ok', false]],
      );
      const upgrade = now.body.transitions[1];
      assert.equal(upgrade.condition, '${subject.plan} == pro');
      assert.match(upgrade.reason, /\$\{subject\.plan\} == pro/);
      // What the list says is what a transition request gets.
      assert.equal((await api.fire(id, 'upgrade')).status, 409);
      const withInput = await api.get(`/v1/flow-instances/${id}/transitions?input=${encodeURIComponent('{"ok":true}')}`);
      assert.deepEqual(withInput.body.transitions.find((t: any) => t.identifier === 'approve'), { identifier: 'approve', from: 'welcome', to: 'ok', condition: '${input.ok} == true', available: true, reason: null });
      const bad = await api.get(`/v1/flow-instances/${id}/transitions?input=${encodeURIComponent('{nope')}`);
      assert.deepEqual([bad.status, bad.headers.get('weft-error-code'), bad.body.message], [400, 'WEFT_FLOW_REQUEST_INVALID', 'input is not valid JSON']);
      assert.equal((await api.get('/v1/flow-instances/00000000-0000-4000-8000-000000000000/transitions')).status, 404);
      assert.equal((await api.post(`/v1/flow-instances/${id}/pause`)).status, 200);
      assert.deepEqual((await api.get(`/v1/flow-instances/${id}/transitions`)).body, { transitions: [] });
    });

    test('subjects: identify, update, JSON Schema checked on every update', async () => {
      const api = flowApi(weft, 'subjects');
      const key = 'mona@example.com/team #1';
      const path = `/v1/subjects/${encodeURIComponent(key)}`;
      const schema = { type: 'object', required: ['plan'], properties: { plan: { enum: ['free', 'pro'] }, seats: { type: 'integer', minimum: 1 } } };
      const bad = await api.put(path, { properties: { plan: 'gold' }, schema });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.message, 'the subject properties do not satisfy its schema');
      assert.deepEqual(bad.body.errors.map((e: { path: string; keyword: string }) => [e.path, e.keyword]), [['/plan', 'enum']]);
      assert.equal((await api.get(path)).status, 404);
      const ok = await api.put(path, { properties: { plan: 'free', seats: 2 }, schema });
      assert.equal(ok.status, 200);
      assert.deepEqual([ok.body.key, ok.body.properties, ok.body.instances], [key, { plan: 'free', seats: 2 }, []]);
      // A schema that refers to itself without end cannot be checked: 400, not a stack overflow.
      const endless = await api.put('/v1/subjects/loop', { properties: { plan: 'x' }, schema: { $ref: '#' } });
      assert.deepEqual([endless.status, endless.headers.get('weft-error-code')], [400, 'WEFT_SUBJECT_SCHEMA_INVALID']);
      // A pattern that backtracks catastrophically answers at once (Ajv's u flag would keep V8 on its
      // backtracking engine for minutes: patterns are compiled without it, core/user-regexp).
      const greedy = await api.put('/v1/subjects/greedy', { properties: { plan: `${'a'.repeat(40)}!` }, schema: { properties: { plan: { type: 'string', pattern: '^(a+)+$' } } } });
      assert.deepEqual([greedy.status, greedy.headers.get('weft-error-code')], [400, 'WEFT_SUBJECT_INVALID']);
      const backref = await api.put('/v1/subjects/backref', { properties: {}, schema: { properties: { plan: { pattern: '(a+)+\\1' } } } });
      assert.deepEqual([backref.status, backref.headers.get('weft-error-code')], [400, 'WEFT_SUBJECT_SCHEMA_INVALID']);
      // The stored schema holds for later updates that do not repeat it.
      const later = await api.put(path, { properties: { seats: 0 } });
      assert.equal(later.status, 400);
      assert.deepEqual(later.body.errors.map((e: { keyword: string }) => e.keyword).sort(), ['minimum', 'required']);
      assert.deepEqual((await api.get(path)).body.properties, { plan: 'free', seats: 2 });
      assert.equal((await api.put(path, { properties: { plan: 'pro' } })).status, 200);
      // schema: null removes it.
      assert.equal((await api.put(path, { properties: { anything: true }, schema: null })).status, 200);
      const got = await api.get(path);
      assert.deepEqual([got.body.properties, got.body.schema], [{ anything: true }, null]);
      const broken = await api.put('/v1/subjects/x', { properties: {}, schema: { type: 'no-such-type' } });
      assert.equal(broken.status, 400);
      assert.match(broken.body.message, /^invalid subject schema/);
      assert.equal((await api.put('/v1/subjects/x', { properties: [1] })).status, 400);
      assert.equal((await api.put(`/v1/subjects/${'k'.repeat(513)}`, { properties: {} })).status, 400);
      assert.equal((await api.put(`/v1/subjects/${'k'.repeat(512)}`, { properties: {} })).status, 200);
      const wide = 'é€'.repeat(256);
      const put = await api.put(`/v1/subjects/${encodeURIComponent(wide)}`, { properties: { n: 1 } });
      assert.deepEqual([put.status, put.body.key], [200, wide]);
      assert.deepEqual((await api.get('/v1/subjects/nobody')).body, { message: 'subject nobody not found' });
    });

    test('the flow routes are in the OpenAPI document', async () => {
      const doc = (await weft.api('/openapi.json', { key: null })).body;
      for (const path of ['/v1/flows', '/v1/flows/{identifier}/versions/{version}', '/v1/subjects/{key}', '/v1/flow-instances/{id}/transitions']) {
        assert.ok(doc.paths[path], path);
      }
    });

    test('bad input is a 4xx, never a 5xx', async () => {
      const api = flowApi(weft, 'bad-input');
      await api.define(flowBody('bad', ['s1', 's2'], [['next', 's1', 's2']]));
      const i = await api.start('bad', 'nick');
      const json = { 'content-type': 'application/json' };
      for (const path of ['/v1/flows', '/v1/flow-instances', `/v1/flow-instances/${i.id}/transitions`]) {
        const r = await api.raw(path, { method: 'POST', headers: json, body: '{"flow": ' });
        assert.equal(r.status, 400, path);
      }
      const badJson = await api.raw(`/v1/flow-instances/${i.id}/transitions`, { method: 'POST', headers: json, body: '{nope' });
      assert.equal(badJson.body.result, 'failure');
      assert.equal(badJson.body.errors[0].code, 'WEFT_FLOW_REQUEST_INVALID');
      assert.equal((await api.raw('/v1/subjects/x', { method: 'PUT', headers: json, body: '[' })).status, 400);

      const cases: Array<[string, string, unknown, number]> = [
        ['POST', '/v1/flows', [1, 2], 400],
        ['POST', '/v1/flow-instances', {}, 400],
        ['POST', '/v1/flow-instances', { flow: 'bad' }, 400],
        ['POST', '/v1/flow-instances', { flow: 7, subject: 'x' }, 400],
        ['POST', '/v1/flow-instances', { flow: 'bad', subject: 'x'.repeat(100_000) }, 400],
        ['POST', '/v1/flow-instances', { flow: 'bad', subject: 'data-str', data: 'str' }, 400],
        ['POST', '/v1/flow-instances', { flow: 'bad', subject: 'data-list', data: [1] }, 400],
        ['POST', `/v1/flow-instances/${i.id}/transitions`, {}, 400],
        ['POST', `/v1/flow-instances/${i.id}/transitions`, { transition: 5 }, 400],
        ['POST', `/v1/flow-instances/${i.id}/transitions`, { transition: 'next', step: ['x'] }, 400],
        ['POST', `/v1/flow-instances/${i.id}/transitions`, { transition: 'next', request_id: { a: 1 } }, 400],
        ['POST', `/v1/flow-instances/${i.id}/transitions`, { transition: 'x'.repeat(10_000) }, 400],
        ['POST', '/v1/flow-instances/00000000-0000-4000-8000-000000000000/transitions', { transition: 'next' }, 404],
        ['POST', '/v1/flow-instances/not-a-uuid/transitions', { transition: 'next' }, 404],
        ['POST', `/v1/flow-instances/${'9'.repeat(400)}/transitions`, { transition: 'next' }, 404],
        ['GET', `/v1/flow-instances/${'z'.repeat(4000)}`, undefined, 404],
        ['GET', `/v1/flow-instances/${'z'.repeat(6000)}`, undefined, 414],
        ['PUT', `/v1/subjects/${'%C3%A9'.repeat(600)}`, { properties: {} }, 400],
        ['GET', '/v1/flow-instances/00000000-0000-4000-8000-000000000000', undefined, 404],
        ['GET', '/v1/flow-instances/00000000-0000-4000-8000-000000000000/history', undefined, 404],
        ['POST', '/v1/flow-instances/00000000-0000-4000-8000-000000000000/pause', undefined, 404],
        ['GET', '/v1/flow-instances?state=sleeping', undefined, 400],
        ['GET', '/v1/flow-instances?limit=0', undefined, 400],
        ['GET', '/v1/flow-instances?limit=abc', undefined, 400],
        ['GET', '/v1/flow-instances?subject=a&subject=b', undefined, 400],
        ['GET', `/v1/flows/${'f'.repeat(300)}`, undefined, 400],
      ];
      for (const [method, path, body, status] of cases) {
        const r = await api.raw(path, { method, ...(body === undefined ? {} : { headers: json, body: JSON.stringify(body) }) });
        assert.equal(r.status, status, `${method} ${path.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 80)}: ${r.text.slice(0, 200)}`);
        if (path.endsWith('/transitions')) assert.equal(r.body.result, 'failure', path.slice(0, 80));
      }
      const missing = await api.raw('/v1/flow-instances/00000000-0000-4000-8000-000000000000/transitions', { method: 'POST', headers: json, body: '{"transition":"next"}' });
      assert.deepEqual(missing.body, {
        result: 'failure',
        message: 'flow instance 00000000-0000-4000-8000-000000000000 not found',
        errors: [{ code: 'WEFT_FLOW_INSTANCE_NOT_FOUND', message: 'flow instance 00000000-0000-4000-8000-000000000000 not found' }],
      });
      assert.equal((await api.get(`/v1/flow-instances/${i.id}`)).body.seq, 1);
    });
  });

  describe(`flows survive a restart on ${backend.name}`, () => {
    test('a restart keeps every instance, its history and its request ids', async () => {
      const db = freshDatabase(backend);
      let weft = await startWeft(db);
      try {
        const api = flowApi(weft, 'restart');
        await api.define(flowBody('journey', ['s1', 's2', 's3'], [['next', 's1', 's2'], ['next', 's2', 's3']]));
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) ids.push((await api.start('journey', `user-${n}`)).id);
        await api.fire(ids[0], 'next', { request_id: 'once' });
        await api.fire(ids[1], 'next');
        await api.fire(ids[1], 'next');
        await api.post(`/v1/flow-instances/${ids[2]}/pause`);
        const before = await Promise.all(ids.map(async (id) => (await api.get(`/v1/flow-instances/${id}`)).body));
        const historyBefore = (await api.get(`/v1/flow-instances/${ids[1]}/history`)).body;
        await weft.stop();

        weft = await startWeft(db);
        const again = flowApi(weft, 'restart');
        const after = await Promise.all(ids.map(async (id) => (await again.get(`/v1/flow-instances/${id}`)).body));
        assert.deepEqual(after, before);
        assert.deepEqual((await again.get(`/v1/flow-instances/${ids[1]}/history`)).body, historyBefore);
        assert.equal((await again.get('/v1/flow-instances')).body.instances.length, 5);
        // The request id applied before the restart is still answered from its first result.
        const replay = await again.fire(ids[0], 'next', { request_id: 'once' });
        assert.equal(replay.body.instance.seq, 2);
        assert.equal((await again.fire(ids[0], 'next')).body.instance.state, 'completed');
        assert.equal((await again.post('/v1/flow-instances', { flow: 'journey', subject: 'user-3' })).status, 409);
      } finally {
        await weft.stop();
        await db.cleanup();
      }
    });
  });
}
