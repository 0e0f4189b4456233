import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchProcess, stepProcess, type ProcessState, type Tree } from '../../../src/core/process/interpreter/index.js';
import { beforeStep, toStepWrite, type StepEnv } from '../../../src/engine/process/process-step.js';

const WFID = '20261128-0600-kogadeso-gekunute';
const T0 = Date.UTC(2026, 10, 28, 6, 0, 0);
let seed = 7;
const ctx = (now = T0) => ({ now, random: (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n });
let counter = 0;
const env = (now = T0): StepEnv => ({ now, publicUrl: 'https://weft.example', newToken: () => `tok${++counter}`, newWebhookId: () => `msg_${++counter}` });
const P = (ref: string): Tree => ['participant', { ref }, []];

function launch(tree: Tree) {
  const r = launchProcess(WFID, { type: 'launch', tree, fields: { a: 1 }, variables: {}, callback: 'http://127.0.0.1:9/cb' }, ctx());
  return { r, w: toStepWrite(null, r, env()) };
}

test('a dispatch becomes an outbox delivery with the exact callback body and a token for its proceed_url', () => {
  const { w } = launch(['define', {}, [P('alpha')]]);
  assert.equal(w.deliveries.length, 1);
  const d = w.deliveries[0];
  const token = w.tokens[d.workitemId];
  assert.ok(token);
  assert.equal(d.url, 'http://127.0.0.1:9/cb');
  assert.equal(d.status, 'active');
  assert.match(d.webhookId, /^msg_/);
  assert.equal(
    d.body,
    JSON.stringify({
      workflow_id: WFID,
      workitem_id: d.workitemId,
      participant: 'alpha',
      status: 'active',
      fields: { a: 1, params: { ref: 'alpha' } },
      proceed_url: `https://weft.example/v1/workflows/${WFID}/workitems/${d.workitemId}/proceed?token=${token}`,
    }),
  );
  assert.deepEqual([w.status, w.endedAt, w.settle], ['running', null, []]);
  assert.deepEqual(w.fresh, [d.workitemId], 'dispatched for the first time');
});

test('the next participant of a sequence is fresh; the one proceeded is settled', () => {
  const { r, w } = launch(['define', {}, [['sequence', {}, [P('alpha'), P('bravo')]]]]);
  const [alpha] = w.deliveries;
  const before = beforeStep({ state: r.state, tokens: w.tokens });
  const p = stepProcess(r.state, { type: 'proceed', workitemId: alpha.workitemId }, ctx(T0 + 5), { inPlace: true });
  assert.ok(!('error' in p));
  const pw = toStepWrite(before, p, env(T0 + 5));
  assert.deepEqual(pw.deliveries.map((d) => d.participant), ['bravo']);
  assert.deepEqual(pw.fresh, [pw.deliveries[0].workitemId]);
  assert.deepEqual(pw.settle, [alpha.workitemId]);
});

test('a cancel delivery reuses the token; tokens of workitems no longer active are dropped and their deliveries settled', () => {
  const { r, w } = launch(['define', {}, [['concurrence', {}, [P('alpha'), P('bravo')]]]]);
  const before = beforeStep({ state: r.state, tokens: w.tokens });
  const c = stepProcess(r.state, { type: 'cancel' }, ctx(T0 + 10), { inPlace: true });
  assert.ok(!('error' in c));
  assert.equal(c.state, r.state, 'in place: the state handed over is the one changed');
  const cw = toStepWrite(before, c, env(T0 + 10));
  assert.deepEqual(cw.deliveries.map((d) => d.status), ['cancel', 'cancel']);
  assert.deepEqual(cw.fresh, [], 'a cancel follows the active delivery of its workitem');
  for (const d of cw.deliveries) assert.ok(d.body.endsWith(`token=${w.tokens[d.workitemId]}"}`), d.body);
  assert.deepEqual(cw.tokens, {});
  assert.deepEqual(cw.settle.sort(), Object.keys(w.tokens).sort());
  assert.equal(cw.status, 'cancelled');
  assert.equal(cw.endedAt, T0 + 10);
});

test('timers: scheduled with their due time; one scheduled and unscheduled in the same step is neither', () => {
  const { r, w } = launch(['define', {}, [['wait', { '2s': null }, []]]]);
  assert.equal(w.schedule.length, 1);
  assert.equal(w.schedule[0].dueAt, T0 + 2000);
  const timerId = w.schedule[0].timerId;
  const fired = stepProcess(r.state, { type: 'timer', timerId }, ctx(T0 + 2000));
  assert.ok(!('error' in fired));
  assert.notEqual(fired.state, r.state, 'not in place: the input is left as it was');
  assert.equal(r.state.status, 'running');
  const fw = toStepWrite(beforeStep({ state: r.state, tokens: {} }), fired, env(T0 + 2000));
  assert.equal(fw.status, 'completed');
  assert.deepEqual(fw.schedule, []);

  const synthetic = toStepWrite(null, {
    state: r.state as ProcessState,
    effects: [
      { type: 'schedule', timerId: 'x', dueAt: 5 },
      { type: 'unschedule', timerId: 'x' },
      { type: 'unschedule', timerId: 'y' },
      { type: 'schedule', timerId: 'z', dueAt: 9 },
    ],
  }, env());
  assert.deepEqual(synthetic.schedule, [{ timerId: 'z', dueAt: 9 }]);
  assert.deepEqual(synthetic.unschedule.sort(), ['x', 'y']);
});
