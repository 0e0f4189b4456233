import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTransition, exitInstance, pauseInstance, resumeInstance, startInstance, type FlowSnapshot } from '../../../src/core/flow/index.js';
import { flow, NOW } from './flow-fixtures.js';

const schema = flow(['a', 'b', 'c'], [
  ['go', 'a', 'b'],
  ['go', 'b', 'c'],
]);
const ctx = { subject: {}, now: NOW };

function start(): FlowSnapshot {
  const r = startInstance(schema, ctx);
  assert.ok(r.ok);
  return r.next;
}

describe('pause / resume / exit', () => {
  test('pause turns active steps paused; a paused instance rejects transitions; resume restores', () => {
    const snap = start();
    const paused = pauseInstance(snap);
    assert.ok(paused.ok);
    assert.deepEqual(paused.next, { state: 'paused', steps: { a: 'paused', b: 'inactive', c: 'inactive' }, data: {} });
    assert.equal(snap.state, 'active');

    const rejected = applyTransition(schema, paused.next, { transition: 'go' }, ctx);
    assert.ok(!rejected.ok);
    assert.equal(rejected.status, 409);
    assert.equal(rejected.message, 'The flow instance is paused; it cannot take transitions.');
    assert.equal(rejected.next, paused.next);

    const resumed = resumeInstance(paused.next);
    assert.ok(resumed.ok);
    assert.deepEqual(resumed.next, snap);
    assert.ok(applyTransition(schema, resumed.next, { transition: 'go' }, ctx).ok);
  });

  test('pause and resume only from the right state', () => {
    const snap = start();
    const notPaused = resumeInstance(snap);
    assert.ok(!notPaused.ok);
    assert.equal(notPaused.message, 'The flow instance is active; it cannot be resumed.');
    const p = pauseInstance(snap);
    assert.ok(p.ok);
    const twice = pauseInstance(p.next);
    assert.ok(!twice.ok);
    assert.equal(twice.code, 'WEFT_FLOW_INSTANCE_NOT_ACTIVE');
  });

  test('exit from active or paused keeps step states; an exited instance accepts nothing', () => {
    const snap = start();
    const exited = exitInstance(snap);
    assert.ok(exited.ok);
    assert.deepEqual(exited.next, { state: 'exited', steps: snap.steps, data: {} });
    const p = pauseInstance(snap);
    assert.ok(p.ok);
    const fromPaused = exitInstance(p.next);
    assert.ok(fromPaused.ok);
    assert.equal(fromPaused.next.state, 'exited');

    for (const r of [applyTransition(schema, exited.next, { transition: 'go' }, ctx), pauseInstance(exited.next), resumeInstance(exited.next), exitInstance(exited.next)]) {
      assert.ok(!r.ok);
      assert.equal(r.status, 409);
      assert.equal(r.next, exited.next);
    }
    const t = applyTransition(schema, exited.next, { transition: 'go' }, ctx);
    assert.ok(!t.ok);
    assert.equal(t.message, 'The flow instance is exited; it cannot take transitions.');
  });
});
