import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyTransition,
  NO_MATCHING_TRANSITION,
  startInstance,
  type FlowResult,
  type FlowSchemaVersionBody,
  type FlowSnapshot,
  type TransitionCommand,
} from '../../../src/core/flow/index.js';
import { flow, NOW } from './flow-fixtures.js';

const ctx = { subject: { plan: 'pro', seats: 3 }, now: NOW };

function started(schema: FlowSchemaVersionBody, data: unknown = {}): FlowSnapshot {
  const r = startInstance(schema, { ...ctx, data });
  assert.ok(r.ok, JSON.stringify(r));
  return r.next;
}

function ok(r: FlowResult): Extract<FlowResult, { ok: true }> {
  assert.ok(r.ok, JSON.stringify(r));
  return r;
}

/** Applies and checks that a failure left the snapshot untouched (same object, same content). */
function fails(schema: FlowSchemaVersionBody, snap: FlowSnapshot, cmd: TransitionCommand, subject: unknown = ctx.subject) {
  const before = structuredClone(snap);
  const r = applyTransition(schema, snap, cmd, { subject, now: NOW });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.next, snap);
  assert.deepEqual(snap, before);
  return r;
}

const active = (s: FlowSnapshot) => Object.keys(s.steps).filter((k) => s.steps[k] === 'active').sort();
const completed = (s: FlowSnapshot) => Object.keys(s.steps).filter((k) => s.steps[k] === 'completed').sort();

describe('start and automatic transitions', () => {
  test('an automatic chain of 3 steps runs to completed at start', () => {
    const schema = flow(['step-1', 'step-2', 'step-3'], [
      ['transition-1', 'step-1', 'step-2', 'automatic'],
      ['transition-2', 'step-2', 'step-3', 'automatic'],
    ]);
    const r = ok(startInstance(schema, { ...ctx, requestId: 'r1' }));
    assert.deepEqual(r.next, { state: 'completed', steps: { 'step-1': 'completed', 'step-2': 'completed', 'step-3': 'completed' }, data: {} });
    assert.deepEqual(r.applied, [
      { transition: 'transition-1', from: 'step-1', to: 'step-2', type: 'automatic', requestId: 'r1', at: NOW },
      { transition: 'transition-2', from: 'step-2', to: 'step-3', type: 'automatic', requestId: 'r1', at: NOW },
    ]);
  });

  test('start activates every start step and nothing else', () => {
    const schema = flow(['a', 'b', 'c'], [
      ['go', 'a', 'c'],
      ['go', 'b', 'c'],
    ]);
    const r = ok(startInstance(schema, { ...ctx, data: { x: 1 } }));
    assert.deepEqual(r.next, { state: 'active', steps: { a: 'active', b: 'active', c: 'inactive' }, data: { x: 1 } });
    assert.deepEqual(r.applied, []);
  });

  test('a single step with no transitions completes at once', () => {
    const r = ok(startInstance(flow(['only'], []), ctx));
    assert.deepEqual(r.next, { state: 'completed', steps: { only: 'completed' }, data: {} });
  });

  test('automatic branching: 1 → {2a, 2b} fires both and completes', () => {
    const schema = flow(['step-1', 'step-2a', 'step-2b'], [
      ['transition-1', 'step-1', 'step-2a', 'automatic'],
      ['transition-2', 'step-1', 'step-2b', 'automatic'],
    ]);
    const r = ok(startInstance(schema, ctx));
    assert.equal(r.next.state, 'completed');
    assert.deepEqual(completed(r.next), ['step-1', 'step-2a', 'step-2b']);
    assert.deepEqual(r.applied.map((h) => h.to), ['step-2a', 'step-2b']);
  });

  test('only automatic transitions whose condition holds fire; a step that fired none stays active', () => {
    const schema = flow(['start', 'pro', 'free'], [
      ['route', 'start', 'pro', 'automatic', '${subject.plan} == pro'],
      ['route', 'start', 'free', 'automatic', '${subject.plan} == free'],
    ]);
    const pro = ok(startInstance(schema, ctx));
    assert.deepEqual(pro.next.steps, { start: 'completed', pro: 'completed', free: 'inactive' });
    assert.equal(pro.next.state, 'completed');

    const other = ok(startInstance(schema, { subject: { plan: 'team' }, now: NOW }));
    assert.deepEqual(other.next.steps, { start: 'active', pro: 'inactive', free: 'inactive' });
    assert.equal(other.next.state, 'active');
  });

  test('a condition that cannot be evaluated fails the start', () => {
    const schema = flow(['a', 'b'], [['auto', 'a', 'b', 'automatic', '${data.v}']]);
    const r = startInstance(schema, { ...ctx, data: { v: 'x or' } });
    assert.ok(!r.ok);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'WEFT_CONDITION_INVALID');
    assert.equal(r.next, undefined);
  });

  test('a cycle of automatic transitions is cut off after 1,000 firings', () => {
    const schema = flow(['start', 'a', 'b'], [
      ['begin', 'start', 'a'],
      ['ping', 'a', 'b', 'automatic'],
      ['pong', 'b', 'a', 'automatic'],
    ]);
    const snap = started(schema);
    const r = fails(schema, snap, { transition: 'begin', requestId: 'r9' });
    assert.equal(r.status, 409);
    assert.equal(r.code, 'WEFT_FLOW_AUTOMATIC_CYCLE');
    assert.equal(
      r.message,
      "Automatic transitions were cut off after 1000 firings in one request (last: 'ping' (a -> b)); a cycle of automatic transitions never stops (or the chain is longer than that). Nothing was changed.",
    );
    assert.deepEqual(r.errors, [{ code: 'WEFT_FLOW_AUTOMATIC_CYCLE', message: r.message }]);

    const atStart = startInstance(flow(['s', 'a', 'b'], [['go', 's', 'a', 'automatic'], ['ping', 'a', 'b', 'automatic'], ['pong', 'b', 'a', 'automatic']]), ctx);
    assert.ok(!atStart.ok);
    assert.equal(atStart.code, 'WEFT_FLOW_AUTOMATIC_CYCLE');
  });

  test('a long automatic chain within the limit runs through', () => {
    const ids = Array.from({ length: 501 }, (_, i) => `s${i}`);
    const schema = flow(ids, ids.slice(1).map((id, i) => ['next', ids[i]!, id, 'automatic'] as [string, string, string, 'automatic']));
    const r = ok(startInstance(schema, ctx));
    assert.equal(r.next.state, 'completed');
    assert.equal(r.applied.length, 500);
  });
});

describe('manual transitions', () => {
  const chain = flow(['step-1', 'step-2', 'step-3'], [
    ['transition-1', 'step-1', 'step-2'],
    ['transition-2', 'step-2', 'step-3'],
  ]);

  test('a manual chain moves one step per request and completes', () => {
    let snap = started(chain);
    assert.deepEqual(active(snap), ['step-1']);
    const r1 = ok(applyTransition(chain, snap, { transition: 'transition-1', requestId: 'a' }, ctx));
    assert.deepEqual(r1.next.steps, { 'step-1': 'completed', 'step-2': 'active', 'step-3': 'inactive' });
    assert.equal(r1.next.state, 'active');
    assert.deepEqual(r1.applied, [{ transition: 'transition-1', from: 'step-1', to: 'step-2', type: 'manual', requestId: 'a', at: NOW }]);
    // the input snapshot is not mutated
    assert.deepEqual(snap.steps, { 'step-1': 'active', 'step-2': 'inactive', 'step-3': 'inactive' });
    snap = r1.next;
    const r2 = ok(applyTransition(chain, snap, { transition: 'transition-2' }, { ...ctx, now: NOW + 5 }));
    assert.deepEqual(r2.next, { state: 'completed', steps: { 'step-1': 'completed', 'step-2': 'completed', 'step-3': 'completed' }, data: {} });
    assert.deepEqual(r2.applied, [{ transition: 'transition-2', from: 'step-2', to: 'step-3', type: 'manual', requestId: null, at: NOW + 5 }]);
  });

  test('manual then automatic', () => {
    const schema = flow(['step-1', 'step-2', 'step-3'], [
      ['transition-1', 'step-1', 'step-2', 'manual'],
      ['transition-2', 'step-2', 'step-3', 'automatic'],
    ]);
    const snap = started(schema);
    assert.deepEqual(active(snap), ['step-1']);
    const r = ok(applyTransition(schema, snap, { transition: 'transition-1', requestId: 'q' }, ctx));
    assert.equal(r.next.state, 'completed');
    assert.deepEqual(completed(r.next), ['step-1', 'step-2', 'step-3']);
    assert.deepEqual(r.applied.map((h) => [h.transition, h.type, h.requestId]), [
      ['transition-1', 'manual', 'q'],
      ['transition-2', 'automatic', 'q'],
    ]);
  });

  test('an invalid transition leaves the state unchanged with the exact message', () => {
    const snap = started(chain);
    const unknown = fails(chain, snap, { transition: 'transition-99' });
    assert.equal(unknown.message, 'Invalid transition argument or no active step matches the transition identifier.');
    assert.equal(unknown.message, NO_MATCHING_TRANSITION);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, 'WEFT_FLOW_TRANSITION_UNKNOWN');
    assert.deepEqual(unknown.errors, [{ code: 'WEFT_FLOW_TRANSITION_UNKNOWN', message: NO_MATCHING_TRANSITION }]);

    // exists, but leaves no active step now
    const notNow = fails(chain, snap, { transition: 'transition-2' });
    assert.equal(notNow.message, NO_MATCHING_TRANSITION);
    assert.equal(notNow.status, 409);
    assert.equal(notNow.code, 'WEFT_FLOW_TRANSITION_UNAVAILABLE');

    for (const bad of [{ transition: '' }, { transition: 'transition-1', step: 'step-9' }, { transition: 7 as unknown as string }]) {
      const r = fails(chain, snap, bad);
      assert.equal(r.message, NO_MATCHING_TRANSITION);
      assert.equal(r.status, 400);
    }
  });

  test('naming a step restricts the transition to that step', () => {
    const schema = flow(['a', 'b', 'c', 'd'], [
      ['go', 'a', 'c'],
      ['go', 'b', 'd'],
    ]);
    const snap = started(schema);
    const r = ok(applyTransition(schema, snap, { transition: 'go', step: 'b' }, ctx));
    assert.deepEqual(r.next.steps, { a: 'active', b: 'completed', c: 'inactive', d: 'completed' });
    assert.equal(r.next.state, 'active');
    // 'go' from 'b' again: b is completed now
    const again = fails(schema, r.next, { transition: 'go', step: 'b' });
    assert.equal(again.status, 409);
    assert.equal(again.message, NO_MATCHING_TRANSITION);
  });

  test('manual branching 1 → {2a, 2b}: taking one completes the flow when its target is terminal', () => {
    const schema = flow(['step-1', 'step-2a', 'step-2b'], [
      ['transition-1', 'step-1', 'step-2a'],
      ['transition-2', 'step-1', 'step-2b'],
    ]);
    const r = ok(applyTransition(schema, started(schema), { transition: 'transition-1' }, ctx));
    assert.deepEqual(r.next, { state: 'completed', steps: { 'step-1': 'completed', 'step-2a': 'completed', 'step-2b': 'inactive' }, data: {} });
    assert.equal(r.applied.length, 1);
  });

  test('shared identifiers: four `complete` transitions in a diamond 1 → {2a, 2b} → 3', () => {
    const schema = flow(['step-1', 'step-2a', 'step-2b', 'step-3'], [
      ['complete', 'step-1', 'step-2a'],
      ['complete', 'step-1', 'step-2b'],
      ['complete', 'step-2a', 'step-3'],
      ['complete', 'step-2b', 'step-3'],
    ]);
    const first = ok(applyTransition(schema, started(schema), { transition: 'complete' }, ctx));
    assert.deepEqual(first.next.steps, { 'step-1': 'completed', 'step-2a': 'active', 'step-2b': 'active', 'step-3': 'inactive' });
    assert.equal(first.next.state, 'active');
    assert.deepEqual(first.applied.map((h) => `${h.from}->${h.to}`), ['step-1->step-2a', 'step-1->step-2b']);

    const second = ok(applyTransition(schema, first.next, { transition: 'complete' }, ctx));
    assert.deepEqual(second.next, {
      state: 'completed',
      steps: { 'step-1': 'completed', 'step-2a': 'completed', 'step-2b': 'completed', 'step-3': 'completed' },
      data: {},
    });
    assert.deepEqual(second.applied.map((h) => `${h.from}->${h.to}`), ['step-2a->step-3', 'step-2b->step-3']);

    const third = fails(schema, second.next, { transition: 'complete' });
    assert.equal(third.status, 409);
    assert.equal(third.code, 'WEFT_FLOW_INSTANCE_NOT_ACTIVE');
    assert.equal(third.message, 'The flow instance is completed; it cannot take transitions.');
  });
});

describe('conditions', () => {
  const schema = flow(['step-1', 'step-2'], [['complete', 'step-1', 'step-2', 'manual', '${data.x} == 1']]);

  test('true: the transition fires', () => {
    const r = ok(applyTransition(schema, started(schema, { x: 1 }), { transition: 'complete' }, ctx));
    assert.equal(r.next.state, 'completed');
  });

  test('false: fails naming the condition, nothing changes', () => {
    const r = fails(schema, started(schema, { x: 2 }), { transition: 'complete' });
    assert.equal(r.status, 409);
    assert.equal(r.code, 'WEFT_FLOW_CONDITION_FALSE');
    assert.equal(r.message, "Condition not met for transition 'complete' (step-1 -> step-2): ${data.x} == 1");
  });

  test('failing: the evaluation error fails the request', () => {
    // parses when saved, fails when evaluated
    const broken = flow(['step-1', 'step-2'], [['complete', 'step-1', 'step-2', 'manual', '${data.x} =~ /(/']]);
    const r = fails(broken, started(broken, { x: 1 }), { transition: 'complete' });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'WEFT_CONDITION_INVALID');
    assert.equal(r.message, `cannot evaluate condition "\${data.x} =~ /(/": invalid regular expression /(/: Invalid regular expression: /(/: Unterminated group`);

    // substituted values that break the condition
    const quoted = flow(['step-1', 'step-2'], [['complete', 'step-1', 'step-2', 'manual', '${data.x}']]);
    const q = fails(quoted, started(quoted, { x: 'a and' }), { transition: 'complete' });
    assert.equal(q.message, `cannot evaluate condition "\${data.x}": dangling operator 'and' at column 3 (after substitution)`);
  });

  test('conditions see subject, data and input', () => {
    const s = flow(['a', 'b'], [['go', 'a', 'b', 'manual', '${subject.plan} == pro && ${data.n} > 2 && ${input.answer} is in [yes, y]']]);
    const snap = started(s, { n: 3 });
    ok(applyTransition(s, snap, { transition: 'go', input: { answer: 'y' } }, ctx));
    fails(s, snap, { transition: 'go', input: { answer: 'no' } });
    fails(s, snap, { transition: 'go' });
    fails(s, snap, { transition: 'go', input: { answer: 'y' } }, { plan: 'free' });
  });

  test('every resolved transition must hold: one false condition fails them all', () => {
    const s = flow(['a', 'b', 'c'], [
      ['go', 'a', 'b'],
      ['go', 'a', 'c', 'manual', '${data.ready}'],
    ]);
    const r = fails(s, started(s, { ready: false }), { transition: 'go' });
    assert.deepEqual(r.errors, [{ code: 'WEFT_FLOW_CONDITION_FALSE', message: "Condition not met for transition 'go' (a -> c): ${data.ready}" }]);
    const both = ok(applyTransition(s, started(s, { ready: true }), { transition: 'go' }, ctx));
    assert.deepEqual(both.next.steps, { a: 'completed', b: 'completed', c: 'completed' });
  });

  test('the automatic transitions after a manual one see the request input', () => {
    const s = flow(['a', 'b', 'c'], [
      ['go', 'a', 'b'],
      ['auto', 'b', 'c', 'automatic', '${input.fast} == true'],
    ]);
    const fast = ok(applyTransition(s, started(s), { transition: 'go', input: { fast: true } }, ctx));
    assert.equal(fast.next.state, 'completed');
    const slow = ok(applyTransition(s, started(s), { transition: 'go', input: { fast: false } }, ctx));
    assert.deepEqual(slow.next.steps, { a: 'completed', b: 'active', c: 'inactive' });
  });
});
