import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

describe('sequence, echo, participant', () => {
  test('a sequence runs its children in order and the process completes', () => {
    const h = runFlow(define(t('sequence', {}, [echo('a'), p('alpha'), echo('b'), p('bravo'), echo('c')])));
    assert.deepEqual(h.trace, ['a', 'b', 'c']);
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    assert.equal(h.status, 'completed');
    assert.deepEqual(h.effects.at(-1), { type: 'ended', status: 'completed' });
  });

  test('an empty define completes at once', () => {
    const h = runFlow(define());
    assert.equal(h.status, 'completed');
  });

  test('participant by ref, by positional name and by bare expression name', () => {
    const h = runFlow(define(p('alpha'), t('participant', { bravo: null }), t('charly', { x: 1 })));
    assert.deepEqual(h.reached, ['alpha', 'bravo', 'charly']);
    const last = h.effects.filter((e) => e.type === 'dispatch')[2];
    assert.ok(last.type === 'dispatch');
    assert.deepEqual(last.fields.params, { x: 1, ref: 'charly' });
  });

  test("a bare name that is an Object.prototype member is a participant like any other", () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', '__defineGetter__'];
    const h = runFlow(define(...names.map((n) => t(n, {})), echo('after')));
    assert.deepEqual(h.reached, names);
    assert.deepEqual(h.trace, ['after']);
    assert.equal(h.status, 'completed');
  });

  test('dispatch carries fields, params after substitution, workitem id and url', () => {
    const h = new Harness(define(p('alpha', { task: 'hello ${f:name}' })), {
      fields: { name: 'Ann' }, callbacks: { alpha: 'http://a.example/cb' },
    }).launch();
    const d = h.pending[0];
    assert.equal(d.url, 'http://a.example/cb');
    assert.equal(d.status, 'active');
    assert.deepEqual(d.fields, { name: 'Ann', params: { ref: 'alpha', task: 'hello Ann' } });
    assert.match(d.workitemId, /^0_0![0-9a-f]{32}!20261128-0600-kogadeso-gekunute$/);
    assert.deepEqual(h.active().map((w) => [w.participant, w.expid]), [['alpha', '0_0']]);
  });

  test('proceed merges fields top-level, new values win, params are dropped', () => {
    const h = new Harness(define(p('alpha'), p('bravo')), { fields: { a: 1, b: 1 } }).launch();
    h.proceed('alpha', { b: 2, c: 3 });
    assert.deepEqual(h.pending[0].fields, { a: 1, b: 2, c: 3, params: { ref: 'bravo' } });
    h.proceed('bravo');
    assert.deepEqual(h.state.fields, { a: 1, b: 2, c: 3 });
  });

  test('a second proceed of the same workitem is refused', () => {
    const h = new Harness(define(p('alpha'), p('bravo'))).launch();
    const d = h.proceed('alpha');
    assert.equal(h.send({ type: 'proceed', workitemId: d.workitemId }), 'workitem_id not found');
    assert.equal(h.send({ type: 'proceed', workitemId: 'nope' }), 'workitem_id not found');
  });

  test('a participant without a URL puts its branch in error, the others go on', () => {
    const h = new Harness(define(t('concurrence', {}, [p('alpha'), t('sequence', {}, [echo('b1'), p('bravo'), echo('b2')])])), {
      callbacks: { bravo: 'http://b' },
    }).launch();
    assert.equal(h.state.errors.length, 1);
    assert.match(h.state.errors[0].message, /alpha/);
    assert.equal(h.state.errors[0].expid, '0_0_0');
    assert.equal(h.status, 'error');
    h.proceed('bravo');
    assert.deepEqual(h.trace, ['b1', 'b2']);
    assert.notEqual(h.status, 'completed');
  });

  test('echo substitutes fields and variables', () => {
    const h = runFlow(define(t('set', { 'v:x': 'vx' }), echo('${f:a}-${v:x}-${a}-${wfid}')), { fields: { a: 'fa' } });
    assert.deepEqual(h.trace, ['fa-vx-fa-20261128-0600-kogadeso-gekunute']);
  });

  test('noop does nothing, stall never replies', () => {
    const h = runFlow(define(echo('a'), t('noop'), echo('b'), t('stall'), echo('c')));
    assert.deepEqual(h.trace, ['a', 'b']);
    assert.equal(h.status, 'running');
  });

  test('process_definition is a define, let opens a scope', () => {
    const h = runFlow(['process_definition', { name: 'x' }, [
      t('set', { 'v:a': 'outer' }),
      t('let', {}, [t('set', { 'v:a': 'inner' }), echo('${v:a}')]),
      echo('${v:a}'),
    ]]);
    assert.deepEqual(h.trace, ['inner', 'outer']);
  });

  test('a root tree that is not a define runs as given', () => {
    const h = runFlow(t('sequence', {}, [echo('x'), p('alpha')]));
    assert.deepEqual(h.trace, ['x']);
    assert.equal(h.status, 'completed');
  });

  test('the state stays JSON and the reducer never mutates its input', () => {
    const h = new Harness(define(t('concurrence', {}, [p('a'), p('b')]), t('wait', { '1s': null }))).launch();
    const snapshot = JSON.stringify(h.state);
    h.proceed('a');
    assert.notEqual(JSON.stringify(h.state), snapshot);
    h.run();
    assert.equal(h.status, 'completed');
  });
});
