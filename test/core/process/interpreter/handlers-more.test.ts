import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

const cb = { alpha: 'http://a', bravo: 'http://b', catcher: 'http://k', reminder: 'http://r' };

describe('more handlers and attributes', () => {
  test('on_timeout with a participant name: it runs in place, then the flow goes on', () => {
    const h = new Harness(define(p('alpha', { timeout: '1s', on_timeout: 'catcher' }), echo('after')), { callbacks: cb }).launch();
    h.advance(1000);
    assert.deepEqual(h.reached, ['alpha', 'catcher']);
    assert.ok(h.pending[0].fields.__timed_out__);
    h.proceed('catcher');
    assert.deepEqual(h.trace, ['after']);
  });

  test('on_timeout cancel without on_cancel is undo; with on_cancel it runs the handler', () => {
    const u = runFlow(define(p('alpha', { timeout: '1s', on_timeout: 'cancel' }), echo('after')), { callbacks: cb }, () => 'hold');
    assert.deepEqual(u.trace, ['after']);
    const c = runFlow(define(t('sequence', { timeout: '1s', on_timeout: 'cancel', on_cancel: 'bye' }, [p('alpha')]), echo('after'), t('define', { bye: null }, [echo('bye')])), { callbacks: cb }, () => 'hold');
    assert.deepEqual(c.trace, ['bye', 'after']);
  });

  test('on_error cancel runs on_cancel; "!" cancels the children without their on_cancel', () => {
    const h = runFlow(define(t('sequence', { on_error: 'cancel', on_cancel: 'bye' }, [p('nemo')]), echo('after'), t('define', { bye: null }, [echo('bye')])), { callbacks: cb });
    assert.deepEqual(h.trace, ['bye', 'after']);
    const soft = runFlow(define(t('concurrence', { on_error: 'pass' }, [t('sequence', { on_cancel: 'bye' }, [p('alpha')]), p('nemo')]), echo('after'), t('define', { bye: null }, [echo('bye')])), { callbacks: cb }, () => 'hold');
    assert.deepEqual(soft.trace, ['bye', 'after']);
    const hard = runFlow(define(t('concurrence', { on_error: '!pass' }, [t('sequence', { on_cancel: 'bye' }, [p('alpha')]), p('nemo')]), echo('after'), t('define', { bye: null }, [echo('bye')])), { callbacks: cb }, () => 'hold');
    assert.deepEqual(hard.trace, ['after']);
  });

  test('on_error keeps the handler and the other on_* of the failing expression', () => {
    const h = new Harness(define(p('nemo', { on_error: 'catcher', tag: 'x' })), { callbacks: cb }).launch();
    assert.deepEqual(h.reached, ['catcher']);
    const params = h.pending[0].fields.params as Record<string, unknown>;
    assert.equal(params._triggered, 'on_error');
    assert.equal(params.tag, 'x');
  });

  test('an expression name given by dollar notation', () => {
    const h = runFlow(define(t('${f:who}', { task: 'x' })), { fields: { who: 'alpha' } });
    assert.deepEqual(h.reached, ['alpha']);
  });

  test('set with var_value and rset', () => {
    const h = runFlow(define(t('set', { 'v:a': 'A' }), t('set', { f: 'b', var_value: 'a' }), t('rset', { developer: 'Rebo' })));
    assert.equal(h.state.fields!.b, 'A');
    assert.equal(h.state.fields!.developer, 'Rebo');
  });

  test('scope: true gives an iterator its own variables', () => {
    const h = runFlow(define(t('iterator', { on_val: 'a, b', to_var: 'v', scope: true }, [echo('${v:v}')]), echo('-${v:v}-')));
    assert.deepEqual(h.trace, ['a', 'b', '--']);
    const shared = runFlow(define(t('iterator', { on_val: 'a, b', to_var: 'v' }, [echo('${v:v}')]), echo('-${v:v}-')));
    assert.deepEqual(shared.trace, ['a', 'b', '-b-']);
  });

  test('participant params: attributes after substitution, children as __children__', () => {
    const h = new Harness(define(t('participant', { ref: 'alpha', n: '$f:n', msg: 'n is ${f:n}' }, [t('task', { x: 1 })])), { fields: { n: 3 } }).launch();
    assert.deepEqual(h.pending[0].fields.params, { ref: 'alpha', n: 3, msg: 'n is 3', __children__: [['task', { x: 1 }, []]] });
  });

  test('variables given at launch are the root scope; final variables are kept', () => {
    const h = runFlow(define(echo('${v:greeting}'), t('set', { 'v:done': true })), { variables: { greeting: 'hi' } });
    assert.deepEqual(h.trace, ['hi']);
    assert.equal(h.state.variables.done, true);
    assert.equal(h.state.variables.greeting, 'hi');
  });

  test('a condition that cannot be evaluated is an error of that expression', () => {
    const h = runFlow(define(echo('a', { if: '(${f:x} == 1' }), echo('b')), { fields: { x: 1 } });
    assert.equal(h.state.errors.length, 1);
    assert.deepEqual(h.trace, []);
    assert.equal(h.state.errors[0].expid, '0_0');
  });
});
