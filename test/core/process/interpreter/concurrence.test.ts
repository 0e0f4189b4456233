import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';
import type { Tree } from '../../../../src/core/process/interpreter/index.js';

// Three alphas in a concurrence, answered in order (or reversed), each writing its expid.
function mergeRun(attrs: Record<string, unknown>, reverse = false) {
  const h = new Harness(define(t('concurrence', attrs, [p('alpha'), p('alpha'), p('alpha')]), p('zulu'))).launch();
  const order = reverse ? [...h.pending].reverse() : [...h.pending];
  for (const d of order) {
    const expid = d.workitemId.split('!')[0];
    h.proceedDispatch(d, { seen: expid, [expid]: 'alpha', a: [expid, 'x'], h: { [expid]: 9 } });
  }
  const z = h.pending.find((d) => d.participant === 'zulu');
  assert.ok(z, 'zulu reached');
  const { params: _params, ...fields } = z.fields;
  return fields;
}

describe('concurrence', () => {
  test('branches run concurrently and the concurrence waits for all', () => {
    const h = new Harness(define(t('concurrence', {}, [p('alpha'), p('bravo')]), echo('done'))).launch();
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    h.proceed('bravo');
    assert.deepEqual(h.trace, []);
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['done']);
  });

  test('empty concurrence and a concurrence whose only branch is skipped by if', () => {
    assert.deepEqual(runFlow(define(t('concurrence'), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('concurrence', {}, [p('nada', { if: 'false' })]), echo('done.'))).reached, []);
  });

  test('merge first (default): the first reply wins', () => {
    assert.equal(mergeRun({}).seen, '0_0_0');
    assert.equal(mergeRun({}, true).seen, '0_0_2');
  });

  test('merge last / highest / lowest', () => {
    assert.equal(mergeRun({ merge: 'last' }).seen, '0_0_2');
    assert.equal(mergeRun({ merge: 'last' }, true).seen, '0_0_0');
    assert.equal(mergeRun({ merge: 'highest' }).seen, '0_0_0');
    assert.equal(mergeRun({ merge: 'highest' }, true).seen, '0_0_0');
    assert.equal(mergeRun({ merge: 'lowest' }).seen, '0_0_2');
    assert.equal(mergeRun({ merge: 'lowest' }, true).seen, '0_0_2');
  });

  test('merge_type mix, isolate, stack', () => {
    const mix = mergeRun({ merge_type: 'mix' });
    assert.deepEqual(Object.keys(mix).sort(), ['0_0_0', '0_0_1', '0_0_2', 'a', 'h', 'seen']);
    assert.equal(mix.seen, '0_0_0');
    const iso = mergeRun({ merge_type: 'isolate' });
    assert.deepEqual(Object.keys(iso).sort(), ['0', '1', '2']);
    assert.equal((iso['1'] as Record<string, unknown>).seen, '0_0_1');
    const stack = mergeRun({ merge_type: 'stack' });
    assert.deepEqual((stack.stack as Record<string, unknown>[]).map((f) => f.seen), ['0_0_0', '0_0_1', '0_0_2']);
    assert.deepEqual(stack.stack_attributes, { merge_type: 'stack' });
  });

  test('merge_type union, concat, deep, ignore', () => {
    const union = mergeRun({ merge_type: 'union' });
    assert.equal(union.seen, '0_0_2');
    assert.deepEqual(union.a, ['0_0_0', 'x', '0_0_1', '0_0_2']);
    assert.deepEqual(Object.keys(union.h as object).sort(), ['0_0_0', '0_0_1', '0_0_2']);
    const concat = mergeRun({ merge_type: 'concat' });
    assert.deepEqual(concat.a, ['0_0_0', 'x', '0_0_1', 'x', '0_0_2', 'x']);
    const deep = mergeRun({ merge_type: 'deep' });
    assert.deepEqual(deep.a, ['0_0_0', 'x', '0_0_1', 'x', '0_0_2', 'x']);
    assert.deepEqual(Object.keys(deep.h as object).sort(), ['0_0_0', '0_0_1', '0_0_2']);
    assert.deepEqual(mergeRun({ merge_type: 'ignore' }), {});
  });

  test('deep merges nested objects, concat does not', () => {
    const tree = (mt: string): Tree => define(t('concurrence', { merge_type: mt }, [
      t('set', { 'f:h': { a: { x: 1 } } }), t('set', { 'f:h': { a: { y: 2 } } }),
    ]));
    assert.deepEqual(runFlow(tree('deep')).state.fields!.h, { a: { x: 1, y: 2 } });
    assert.deepEqual(runFlow(tree('concat')).state.fields!.h, { a: { y: 2 } });
  });

  test('count 1 with remaining cancel: the other branch gets a cancel dispatch', () => {
    const h = new Harness(define(t('concurrence', { count: 1 }, [p('alpha'), p('bravo')]), echo('over'))).launch();
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['over']);
    const cancels = h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel');
    assert.equal(cancels.length, 1);
    assert.equal(cancels[0].type === 'dispatch' && cancels[0].participant, 'bravo');
    assert.equal(h.status, 'completed');
    assert.equal(h.active().length, 0);
  });

  test('count 1 with remaining forget: the other branch stays active', () => {
    const h = new Harness(define(t('concurrence', { count: 1, remaining: 'forget' }, [p('alpha'), p('bravo')]), echo('over'), t('stall'))).launch();
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['over']);
    assert.deepEqual(h.active().map((w) => w.participant), ['bravo']);
    h.proceed('bravo');
    assert.equal(h.active().length, 0);
    assert.deepEqual(h.trace, ['over']);
  });

  test('remaining wait: replies only once the cancelled branches are back', () => {
    const h = new Harness(define(t('concurrence', { count: 1, remaining: 'wait' }, [p('alpha'), p('bravo')]), echo('over'))).launch();
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['over']);
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 1);
  });

  test('negative count: all but one', () => {
    const h = runFlow(define(t('concurrence', { mt: 'mix', c: -1 }, [
      t('set', { a: 1 }), t('set', { b: 2 }), t('sequence', {}, [t('wait', { '1s': null }), t('set', { c: 3 })]),
    ])));
    assert.equal(h.state.fields!.a, 1);
    assert.equal(h.state.fields!.b, 2);
    assert.equal(h.state.fields!.c, undefined);
  });

  test('over_if and over_unless end the concurrence early', () => {
    const h = new Harness(define(t('set', { 'f:ok': 'no' }), t('concurrence', { over_if: '${f:ok} == yes' }, [
      p('alpha'), p('bravo'),
    ]), p('zulu', { if: '${f:ok} == yes' }))).launch();
    h.proceed('alpha', { ok: 'yes' });
    assert.deepEqual(h.reached, ['alpha', 'bravo', 'zulu']);
    const u = new Harness(define(t('concurrence', { over_unless: '${f:ok}' }, [p('alpha'), p('bravo'), p('charly')]), echo('done.')), { fields: { ok: true } }).launch();
    u.proceed('alpha');
    assert.deepEqual(u.trace, []);
    u.proceed('bravo', { ok: false });
    assert.deepEqual(u.trace, ['done.']);
  });

  test('wait_for an integer is count', () => {
    const h = runFlow(define(t('concurrence', { wait_for: 1 }, [t('sequence', {}, [t('stall'), echo('alpha')]), echo('bravo')]), echo('over.')));
    assert.deepEqual(h.trace, ['bravo', 'over.']);
  });

  test('wait_for 0 with remaining forget moves on at once', () => {
    const h = new Harness(define(t('concurrence', { wait_for: 0, remaining: 'forget' }, [t('sequence', {}, [t('wait', { '5s': null }), echo('alpha')])]), echo('over.'))).launch();
    assert.deepEqual(h.trace, ['over.']);
    h.advance(5000);
    assert.deepEqual(h.trace, ['over.', 'alpha']);
  });

  test('wait_for tags (string and array)', () => {
    for (const wf of ['azuma, bashamichi', ['azuma', 'bashamichi']]) {
      const h = runFlow(define(t('concurrence', { wait_for: wf, merge_type: 'concat' }, [
        t('sequence', { tag: 'azuma' }, [t('set', { seen: ['azuma'] })]),
        t('sequence', { tag: 'bashamichi' }, [t('set', { seen: ['bashamichi'] })]),
        t('sequence', { tag: 'katou' }, [t('wait', { '5s': null }), t('set', { seen: ['katou'] })]),
      ])));
      assert.deepEqual((h.state.fields!.seen as string[]).sort(), ['azuma', 'bashamichi']);
    }
  });
});
