import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

const exp = (d: { workitemId: string }) => d.workitemId.split('!')[0];

describe('cursor, loop, repeat', () => {
  test('empty cursor, plain cursor', () => {
    assert.deepEqual(runFlow(define(t('cursor'))).trace, []);
    assert.deepEqual(runFlow(define(t('cursor', {}, [echo('a'), echo('b')]))).trace, ['a', 'b']);
  });

  test('skip, break, stop, over', () => {
    assert.deepEqual(runFlow(define(t('cursor', {}, [echo('a'), t('skip', { 1: null }), echo('b'), echo('c')]))).trace, ['a', 'c']);
    for (const cmd of ['break', 'stop', 'over']) {
      assert.deepEqual(runFlow(define(t('cursor', {}, [echo('a'), t(cmd), echo('b')]))).trace, ['a'], cmd);
    }
  });

  test('back n: back 3 from the fourth child goes to the second', () => {
    const h = runFlow(define(t('set', { 'v:n': 0 }), t('cursor', {}, [
      echo('a'), t('inc', { 'v:n': null }), echo('b'), t('back', { 3: null, if: '${v:n} < 2' }), echo('c'),
    ])));
    assert.deepEqual(h.trace, ['a', 'b', 'b', 'c']);
  });

  test('jump to a tag, to a tag held in a variable, to a participant name', () => {
    assert.deepEqual(runFlow(define(t('cursor', {}, [echo('a'), t('jump', { to: 'ctag' }), echo('b'), echo('c', { tag: 'ctag' })]))).trace, ['a', 'c']);
    assert.deepEqual(runFlow(define(t('cursor', {}, [
      echo('a'), t('set', { var: 'v0', val: 'ctag' }), t('jump', { to: '${v:v0}' }), echo('b'), echo('c', { tag: '${v:v0}' }),
    ]))).trace, ['a', 'c']);
    assert.deepEqual(runFlow(define(t('cursor', {}, [t('participant', { a: null }), t('jump', { to: 'c' }), t('participant', { b: null }), t('participant', { ref: 'c' })]))).reached, ['a', 'c']);
  });

  test('jump back to a participant while a field says so', () => {
    let count = 0;
    const h = runFlow(define(t('cursor', {}, [p('author'), p('reviewer'), t('jump', { to: 'author', if: '${not_ok}' }), p('publisher')])), {}, (d) => {
      if (d.participant === 'author') count++;
      return d.participant === 'reviewer' ? { not_ok: count < 3 } : {};
    });
    assert.deepEqual(h.reached, ['author', 'reviewer', 'author', 'reviewer', 'author', 'reviewer', 'publisher']);
  });

  test('rewind_if loops until the field says stop', () => {
    const h = runFlow(define(t('set', { f: 'counter', val: 0 }), t('cursor', { rewind_if: '${f:rewind}' }, [p('alpha')])), {}, (d) => {
      const c = (d.fields.counter as number) + 1;
      return { counter: c, rewind: c < 5 };
    });
    assert.deepEqual(h.reached, ['alpha', 'alpha', 'alpha', 'alpha', 'alpha']);
  });

  test('a rewind deep inside the cursor', () => {
    const h = new Harness(define(t('cursor', {}, [t('sequence', {}, [p('alpha'), t('rewind'), echo('b')])]))).launch();
    h.proceed('alpha');
    h.proceed('alpha');
    assert.deepEqual(h.reached, ['alpha', 'alpha', 'alpha']);
    assert.deepEqual(h.trace, []);
  });

  test('break by tag from outside (external) and from a nested cursor', () => {
    const h = new Harness(define(t('concurrence', {}, [
      t('repeat', { tag: 'cu' }, [p('alpha')]),
      t('sequence', {}, [t('wait', { '1.1': null }), t('stop', { ref: 'cu' }), p('bravo')]),
    ]))).launch();
    h.proceed('alpha');
    assert.deepEqual(h.reached, ['alpha', 'alpha']);
    h.advance(1100);
    assert.deepEqual(h.reached, ['alpha', 'alpha', 'bravo']);
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 1);
    h.proceed('bravo');
    assert.equal(h.status, 'completed');
    assert.deepEqual(runFlow(define(t('cursor', { tag: 'cu' }, [echo('a'), t('cursor', {}, [echo('b'), t('break', { ref: 'cu' }), echo('c')]), echo('d')]))).trace, ['a', 'b']);
  });

  test('break_if / over_unless at the start', () => {
    assert.deepEqual(runFlow(define(t('cursor', { break_if: 'true' }, [echo('c')]), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('cursor', { over_unless: 'false' }, [echo('c')]), echo('done.'))).trace, ['done.']);
  });

  test('the __command__ field set by a participant (break, skip 1, string form)', () => {
    const tree = define(t('cursor', {}, [echo('in'), p('bravo'), echo('mid'), p('alpha'), echo('out')]), echo('done.'));
    const h = runFlow(tree, {}, (d) => ({ __command__: d.participant === 'alpha' ? ['break', null] : ['skip', 1] }));
    assert.deepEqual(h.trace, ['in', 'done.']);
    const s = runFlow(tree, {}, (d) => (d.participant === 'bravo' ? { __command__: 'skip 2' } : {}));
    assert.deepEqual(s.trace, ['in', 'out', 'done.']);
  });

  test('reset and reset_if go back to the first child with the applied workitem', () => {
    for (const tree of [
      define(t('cursor', {}, [p('alpha'), t('set', { 'f:toto': 'oops' }), t('reset')])),
      define(t('cursor', { reset_if: '${f:reset} == true' }, [p('alpha'), t('set', { 'f:toto': 'oops' }), t('set', { 'f:reset': true })])),
    ]) {
      const h = new Harness(tree).launch();
      h.proceed('alpha');
      assert.deepEqual(h.reached, ['alpha', 'alpha']);
      assert.equal(h.pending[0].fields.toto, undefined);
    }
  });

  test('loop and repeat start over until broken', () => {
    let n = 0;
    const h = runFlow(define(t('loop', {}, [p('alpha'), echo('x')]), echo('done')), {}, () => (++n === 3 ? { __command__: ['break', null] } : {}));
    assert.deepEqual(h.trace, ['x', 'x', 'done']);
    assert.deepEqual(h.reached, ['alpha', 'alpha', 'alpha']);
  });
});

describe('iterator', () => {
  const pdef0 = define(t('sequence', {}, [t('iterator', { on_val: 'alice, bob, charly', to_var: 'v' }, [t('participant', { '${v:v}': null })]), echo('done.')]));

  test('an empty iterator replies at once', () => {
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'a, b', to_var: 'v' }), echo('done.'))).trace, ['done.']);
  });

  test('on_val, on, on_f (nested) with to_var / to_field / to', () => {
    const a = new Harness(pdef0).launch().run();
    assert.deepEqual(a.reached, ['alice', 'bob', 'charly']);
    assert.deepEqual(a.effects.filter((e) => e.type === 'dispatch').map((d) => exp(d as never)), ['0_0_0_0', '0_0_0_0', '0_0_0_0']);
    assert.deepEqual(runFlow(define(t('iterator', { on: 'alice, bob', to_var: 'v' }, [t('participant', { '${v:v}': null })]))).reached, ['alice', 'bob']);
    assert.deepEqual(runFlow(define(t('set', { 'f:data': {} }), t('set', { 'f:data.people': ['alice', 'bob'] }),
      t('iterator', { on_f: 'data.people', to_var: 'v' }, [t('participant', { '${v:v}': null })]))).reached, ['alice', 'bob']);
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'alice, bob', to_field: 'f' }, [t('participant', { '${f:f}': null })]))).reached, ['alice', 'bob']);
    assert.deepEqual(runFlow(define(
      t('iterator', { on_val: 'a, b', to: 'x' }, [echo('${f:x}')]),
      t('iterator', { on_val: 'c, d', to: 'f:y' }, [echo('${f:y}')]),
      t('iterator', { on_val: 'e, f', to: 'v:z' }, [echo('${v:z}')]),
    )).trace, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('on_v and times', () => {
    assert.deepEqual(runFlow(define(t('set', { 'v:l': ['x', 'y'] }), t('iterator', { on_v: 'l' }, [echo('${v:i}')]))).trace, ['x', 'y']);
    assert.deepEqual(runFlow(define(t('iterator', { times: 3 }, [echo('${v:i}')]))).trace, ['0', '1', '2']);
  });

  test('commands from the participant: break, rewind, skip, jump', () => {
    const cmd = (who: string, c: unknown[]) => {
      let done = false;
      return (d: { participant: string }) => (!done && d.participant === who ? ((done = true), { __command__: c }) : {});
    };
    assert.deepEqual(runFlow(pdef0, {}, cmd('bob', ['break', null])).reached, ['alice', 'bob']);
    assert.deepEqual(runFlow(pdef0, {}, cmd('bob', ['rewind', null])).reached, ['alice', 'bob', 'alice', 'bob', 'charly']);
    assert.deepEqual(runFlow(pdef0, {}, cmd('alice', ['skip', 1])).reached, ['alice', 'charly']);
    assert.deepEqual(runFlow(pdef0, {}, cmd('alice', ['jump', -1])).reached, ['alice', 'charly']);
    assert.deepEqual(runFlow(pdef0, {}, cmd('alice', ['jump', -1])).trace, ['done.']);
  });

  test('a skip expression deeper inside', () => {
    const h = runFlow(define(t('iterator', { on_val: 'alice, bob, charly', to_var: 'v' }, [
      t('sequence', {}, [t('participant', { '${v:v}': null }), t('skip', { 1: null, if: '${v:v} == alice' })]),
    ])));
    assert.deepEqual(h.reached, ['alice', 'charly']);
  });

  test('break_if, break_unless', () => {
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'a, b, c', to_var: 'v', break_if: '${v:v} == b' }, [t('participant', { '${v:v}': null })]))).reached, ['a', 'b']);
    assert.deepEqual(runFlow(define(t('set', { var: 'v', val: 'a' }), t('iterator', { on_val: 'a, b, c', to_var: 'v', break_unless: '${v:v} == a' }, [t('participant', { '${v:v}': null })]))).reached, ['a', 'b']);
  });

  test('a hash as input, implicit i / ii variables, implicit sequence', () => {
    const h = runFlow(define(t('iterator', { on_val: { a: 'A', b: 'B' }, to_f: 'f' }, [p('p1')])), {}, (d) => ({ seen: d.fields.f }));
    assert.deepEqual(h.effects.filter((e) => e.type === 'dispatch').map((e) => (e as unknown as { fields: { f: unknown } }).fields.f), [['a', 'A'], ['b', 'B']]);
    const i = runFlow(define(t('iterator', { on_val: 'alice, bob, charly' }, [echo('${v:i}:${v:ii}')])));
    assert.deepEqual(i.trace, ['alice:0', 'bob:1', 'charly:2']);
    assert.equal(i.state.variables.i, 'charly');
    assert.equal(i.state.variables.ii, 2);
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'alice, bob', to_var: 'v' }, [echo('0:${v:v}'), echo('1:${v:v}')]))).trace,
      ['0:alice', '1:alice', '0:bob', '1:bob']);
  });

  test('break by tag from a nested cursor', () => {
    const h = runFlow(define(t('iterator', { on: 'a, b, c', tag: 'it' }, [t('sequence', {}, [
      echo('0_${v:i}'), t('cursor', {}, [echo('1_${v:i}'), t('break', { ref: 'it' }), echo('11_${v:i}')]), echo('2_${v:i}'),
    ])])));
    assert.deepEqual(h.trace, ['0_a', '1_a']);
  });

  test('external break from a concurrent branch', () => {
    const h = runFlow(define(t('concurrence', {}, [
      t('iterator', { on: Array.from({ length: 1000 }, (_, i) => i + 1), tag: 'it' }, [echo('${v:i}')]),
      t('sequence', {}, [t('sequence', {}, [t('break', { ref: 'it' })])]),
    ])));
    assert.ok(h.trace.length < 10, `stopped early: ${h.trace.length}`);
    assert.equal(h.status, 'completed');
  });
});
