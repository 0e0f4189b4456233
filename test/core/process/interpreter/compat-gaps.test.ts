// Ruote expressions, aliases and attribute forms that docs/ruote-compatibility.md lists and no
// other interpreter test launched.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

describe('Ruote compatibility gaps', () => {
  test('ref: a participant or a subprocess chosen at run time, the subprocess winning', () => {
    const sub0 = t('define', { sub0: null }, [echo('in sub0')]);
    assert.deepEqual(runFlow(define(t('ref', { ref: 'alpha' }))).reached, ['alpha']);
    assert.deepEqual(runFlow(define(t('ref', { '${f:who}': null })), { fields: { who: 'bravo' } }).reached, ['bravo']);
    const s = runFlow(define(t('ref', { sub0: null }), sub0));
    assert.deepEqual(s.trace, ['in sub0']);
    assert.deepEqual(s.reached, []);
  });

  test('workflow_definition is a define', () => {
    const h = runFlow(t('workflow_definition', { name: 'x' }, [echo('a'), t('sub0'), t('define', { sub0: null }, [echo('b')])]));
    assert.deepEqual(h.trace, ['a', 'b']);
    assert.equal(h.status, 'completed');
  });

  test('set_fields is restore', () => {
    const h = runFlow(define(t('set', { 'f:a': 1 }), t('save', { to_v: 's' }), t('set', { 'f:a': 2 }),
      t('set_fields', { from_v: 's' }), echo('${f:a}')));
    assert.deepEqual(h.trace, ['1']);
  });

  test('receive and intercept are listen', () => {
    for (const name of ['receive', 'intercept']) {
      const h = new Harness(define(t('concurrence', {}, [
        t('sequence', {}, [t(name, { to: 'alpha', upon: 'reply' }), echo(`${name} ` + '${f:x}')]),
        p('alpha'),
      ]))).launch();
      assert.deepEqual(h.trace, [], name);
      h.proceed('alpha', { x: 7 });
      assert.deepEqual(h.trace, [`${name} 7`], name);
    }
  });

  test('continue in a cursor goes back to the first child', () => {
    const h = runFlow(define(t('cursor', {}, [
      echo('in'), t('inc', { 'v:n': null }), t('continue', { if: '${v:n} < 3' }), echo('out'),
    ])));
    assert.deepEqual(h.trace, ['in', 'in', 'in', 'out']);
  });

  test('iterator to_f and to_v', () => {
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'a, b', to_f: 'x' }, [echo('${f:x}')]))).trace, ['a', 'b']);
    assert.deepEqual(runFlow(define(t('iterator', { on_val: 'c, d', to_v: 'y' }, [echo('${v:y}')]))).trace, ['c', 'd']);
  });

  test('timeout in the forms 2d, 1h30m and 1.5 (seconds)', () => {
    for (const [text, ms] of [['2d', 172_800_000], ['1h30m', 5_400_000], ['1.5', 1500]] as const) {
      const h = new Harness(define(p('alpha', { timeout: text }), p('bravo'))).launch();
      const s = h.effects.find((e) => e.type === 'schedule');
      assert.ok(s && s.type === 'schedule', text);
      assert.equal(s.dueAt - h.now, ms, text);
      h.advance(ms - 1);
      assert.deepEqual(h.reached, ['alpha'], text);
      h.advance(1);
      assert.deepEqual(h.reached, ['alpha', 'bravo'], text);
      assert.ok(Array.isArray(h.pending[0].fields.__timed_out__), text);
    }
  });

  test('on_error list: a pattern without slashes matches a substring of the message (not a regex)', () => {
    const cb = { alpha: 'http://a', bravo: 'http://b' };
    const sub = runFlow(define(t('sequence', { on_error: [['callback URL', 'alpha'], [null, 'bravo']] }, [p('nada')])), { callbacks: cb });
    assert.deepEqual(sub.reached, ['alpha']);
    // As a regex `callback.URL` would match "callback URL"; as a substring it does not.
    const dot = runFlow(define(t('sequence', { on_error: [['callback.URL', 'alpha'], [null, 'bravo']] }, [p('nada')])), { callbacks: cb });
    assert.deepEqual(dot.reached, ['bravo']);
  });

  test('timers: a reminder participant, then undo or error at a later time', () => {
    const cb = { alpha: 'http://a', reminder: 'http://r' };
    const undo = new Harness(define(p('alpha', { timers: '1s: reminder, 3s: undo' }), echo('after')), { callbacks: cb }).launch();
    undo.advance(1000);
    assert.deepEqual(undo.reached, ['alpha', 'reminder']);
    undo.advance(2000);
    assert.deepEqual(undo.trace, ['after']);
    assert.ok(undo.effects.some((e) => e.type === 'dispatch' && e.participant === 'alpha' && e.status === 'cancel'));
    const err = new Harness(define(p('alpha', { timers: '2s: error late' }), echo('after')), { callbacks: cb }).launch();
    err.advance(2000);
    assert.deepEqual(err.trace, []);
    assert.equal(err.state.errors.length, 1);
    assert.match(err.state.errors[0].message, /late/);
  });

  test('concurrent_iterator count: 0 is over at once, as a concurrence (eft_18 test_count_zero)', () => {
    const h = runFlow(define(t('concurrent_iterator', { on: ['a', 'b', 'c'], count: 0 }, [t('wait', { '2s': null }), echo('0:${v:i}')]), echo('over.')));
    assert.deepEqual(h.trace, ['over.']);
    assert.equal(h.status, 'completed');
  });

  test('${fei} is the expression\'s id; ${r:…} (Ruby) is an error, as in Ruote without ruby_eval', () => {
    const h = runFlow(define(echo('${fei}')));
    assert.match(h.trace[0], new RegExp(`^0_0!\\w+!${h.state.wfid}$`));
    const r = runFlow(define(echo('>${r:1 + 2}<')));
    assert.deepEqual(r.trace, []);
    assert.equal(r.state.errors.length, 1);
    assert.match(r.state.errors[0].message, /^'ruby_eval_allowed' is set to false, cannot evaluate >1 \+ 2</);
  });

  test('a participant without a URL fails with Ruote\'s words, so on_error patterns written for Ruote match', () => {
    const h = runFlow(define(t('sequence', { on_error: [['/unknown participant/', 'alpha'], [null, 'bravo']] }, [p('nada')])), { callbacks: { alpha: 'http://a', bravo: 'http://b' } });
    assert.deepEqual(h.reached, ['alpha']);
  });

  test('set over: sub looks for the variable no further than its subprocess (ft_13 test_set_var_override_sub)', () => {
    const set = (k: string, v: string, over?: string | boolean) => t('set', { [`v:${k}`]: v, ...(over === undefined ? {} : { over }) });
    const h = runFlow(define(
      set('v0', 'a'), set('v1', 'a'), set('v2', 'a'), set('v3', 'a'),
      t('sub0'),
      t('sequence', { scope: true }, [set('v4', 'a', 'sub')]),
      t('define', { sub0: null }, [
        set('v0', 'b'), set('v1', 'b', true), set('v3', 'b'),
        t('sequence', { scope: true }, [set('v2', 'c', 'sub'), set('v3', 'c', 'sub')]),
        set('/v3', '${v:v3}'),
      ]),
    ));
    assert.equal(h.status, 'completed');
    assert.deepEqual(['v0', 'v1', 'v2', 'v3', 'v4'].map((k) => h.state.variables[k]), ['a', 'b', 'a', 'c', undefined]);
  });

  test('on_error store: / bury: keep the error in a field or a variable and go on (ft_5 test_on_error_store_to_field, _to_variable)', () => {
    const field = runFlow(define(t('sequence', { on_error: 'store: x' }, [t('error', { nada: null })]), echo('out')));
    assert.deepEqual([field.status, field.trace], ['completed', ['out']]);
    const x = field.state.fields!.x as { class?: string; message?: string };
    assert.deepEqual([x.class, x.message], ['Ruote::ForcedError', 'nada']);
    const variable = runFlow(define(t('sequence', { on_error: 'bury:v:y' }, [t('error', { nada: null })]), echo('out')));
    assert.deepEqual([variable.status, variable.trace], ['completed', ['out']]);
    assert.equal((variable.state.variables.y as { class?: string }).class, 'Ruote::ForcedError');
  });

  test('a branch cancelled while its last reply is on its way returns that reply\'s workitem (eft_6 test_remaining_wait)', () => {
    const h = runFlow(define(t('concurrence', { count: 1, rem: 'wait', mt: 'mix' }, [t('set', { a: true }), t('sequence', {}, [t('set', { b: true }), t('stall')])])));
    assert.equal(h.status, 'completed');
    assert.deepEqual(h.state.fields, { a: true, b: true, __result__: true });
  });

  test('the second take: an on_error handler that sets __on_error__ hands the failed expression to redo, raise or pass (ft_5 test_second_take…)', () => {
    const handler = (take: string) => t('define', { sub0: null }, [t('set', { 'v:/retried': true }), t('set', { __on_error__: take })]);
    const body = [echo('in'), t('error', { Houston: null, unless: '${v:retried}' }), echo('done.')];
    const redo = runFlow(define(handler('redo'), t('sequence', { on_error: 'sub0' }, body)));
    assert.deepEqual([redo.status, redo.trace], ['completed', ['in', 'in', 'done.']]);
    const raise = runFlow(define(handler('raise'), t('sequence', { on_error: 'sub0' }, body)));
    assert.deepEqual([raise.status, raise.trace], ['error', ['in']]);
    assert.equal(raise.state.errors[0].message, 'Houston');
    const blank = runFlow(define(handler(''), t('sequence', { on_error: 'sub0' }, body), echo('after')));
    assert.deepEqual([blank.status, blank.trace], ['completed', ['in', 'after']]);
  });

  test('a variable holding a name stands for that participant, subprocess or expression (ft_27_var_indirection)', () => {
    const alias = new Harness(define(t('set', { v: 'alpha', val: 'bravo' }), t('sequence', {}, [t('alpha'), t('bravo')]))).launch();
    const first = alias.proceed();
    assert.deepEqual([first.participant, (first.fields.params as Record<string, unknown>).original_ref], ['bravo', 'alpha']);
    const second = alias.proceed();
    assert.deepEqual([second.participant, (second.fields.params as Record<string, unknown>).original_ref], ['bravo', undefined]);
    assert.equal(alias.status, 'completed');
    assert.deepEqual(runFlow(define(t('sequence', {}, [t('set', { 'v:v': 'alpha' }), t('v')]))).reached, ['alpha']);
    const sub = runFlow(define(t('sequence', {}, [t('set', { 'v:v': 'sub0' }), t('v')]), t('define', { sub0: null }, [echo('a')])));
    assert.deepEqual([sub.trace, sub.reached], [['a'], []]);
    assert.deepEqual(runFlow(define(t('output', { nada: null })), { variables: { output: 'echo' } }).trace, ['nada']);
    // Names that refer to each other stop at the last one before a name comes round again (Ruote would loop).
    assert.deepEqual(runFlow(define(t('set', { 'v:a': 'b' }), t('set', { 'v:b': 'a' }), t('a'))).reached, ['b']);
  });

  test('listen to errors and await error get the error in their workitem (eft_12 test_listen_to_errors); __error__.fei is Ruote\'s hash', () => {
    const listening = runFlow(define(t('concurrence', { count: 1 }, [
      t('listen', { to: 'errors' }, [echo('error:${f:__error__.message}|${f:__error__.fei.expid}|${f:__error__.class}')]),
      t('sequence', {}, [p('nemo')]),
    ])), { callbacks: {} });
    assert.deepEqual(listening.trace, [`error:unknown participant or subprocess 'nemo': no callback URL for participant "nemo"|0_0_1_0|RuntimeError`]);
    const awaiting = runFlow(define(t('concurrence', { count: 1 }, [t('await', { error: null }, [echo('A:${f:__error__.class}')]), t('sequence', {}, [p('nemo')])])), { callbacks: {} });
    assert.deepEqual(awaiting.trace, ['A:RuntimeError']);
  });

  test('a tagged expression ended by its on_cancel, on_error or on_timeout handler is recorded cancelled, failed or timed out (ft_7)', () => {
    const h = runFlow(define(t('sequence', { tag: 'a', on_error: 'h' }, [t('error', { nada: null })]), t('define', { h: null }, [echo('handled')])));
    assert.deepEqual(h.trace, ['handled']);
    const past = h.state.variables.__past_tags__ as unknown[][];
    assert.deepEqual(past.map((e) => [e[0], e[2]]), [['a', 'failed']]);
  });

  test('a tag\'s variable holds Ruote\'s parts of the expression id, ${v:main.expid} (ft_7 test_tag)', () => {
    const h = new Harness(define(t('sequence', { tag: 'main' }, [echo('${v:main.expid} ${v:main.wfid}'), p('alpha')]))).launch();
    assert.deepEqual(h.trace, [`0_0 ${h.state.wfid}`]);
    assert.deepEqual(h.reached, ['alpha']);
  });

  test('paths and merges never reach a prototype: __proto__ and constructor.prototype are plain keys', () => {
    const h = runFlow(define(
      t('set', { 'f:__proto__.polluted': 'x' }),
      t('set', { 'v:constructor.prototype.viaVar': 'y' }),
      t('concurrence', { merge_type: 'deep' }, [t('set', { 'f:__proto__.a': 1 }), t('set', { 'f:__proto__.b': 2 })]),
      t('concurrence', { merge_type: 'mix' }, [t('set', { 'f:__proto__.c': 3 }), echo('other')]),
      echo('${f:__proto__.polluted}'),
    ));
    assert.equal(h.status, 'completed');
    for (const k of ['polluted', 'viaVar', 'a', 'b', 'c']) assert.equal(({} as Record<string, unknown>)[k], undefined, k);
    const fields = h.state.fields!;
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, { polluted: 'x', a: 1, b: 2, c: 3 });
    assert.deepEqual(h.trace, ['other', 'x']);
  });

  test('a field grown without bound in a loop, or a path too deep to store, is an error of the expression, not of the server', () => {
    const grown = runFlow(define(t('set', { 'f:a': 'x'.repeat(71) }), t('loop', {}, [t('set', { 'f:a': '${f:a}${f:a}' })])));
    assert.equal(grown.status, 'error');
    assert.deepEqual(grown.state.errors.map((e) => e.message), ['a substitution would make a text longer than 1048576 characters']);
    const deep = runFlow(define(t('set', { [`f:${Array(600).fill('a').join('.')}`]: 1 }), echo('after')));
    assert.equal(deep.status, 'error');
    assert.deepEqual(deep.state.errors.map((e) => e.message), ['a path of more than 512 keys is not accepted']);
  });

  test('a value set is a copy: a field set to its own parent holds a copy, not itself; nesting one level deeper each turn ends in an error of the expression', () => {
    const own = runFlow(define(t('set', { 'f:b': { c: 1 } }), t('set', { 'f:b.c': '$f:b' }), t('set', { 'v:saved': '$f:b' }), t('set', { 'f:b.d': 2 }), echo('${v:saved.d}|${f:b.c.c}')));
    assert.equal(own.status, 'completed');
    assert.deepEqual(own.state.fields!.b, { c: { c: 1 }, d: 2 });
    assert.deepEqual(own.trace, ['|1']);
    const nested = runFlow(define(t('set', { 'f:b': { c: 1 } }), t('loop', {}, [t('set', { 'f:b.c': '$f:b' })])));
    assert.equal(nested.status, 'error');
    assert.deepEqual(nested.state.errors.map((e) => e.message), ['a value nested deeper than 512 levels is not accepted']);
    assert.doesNotThrow(() => JSON.stringify(nested.state));
  });

  test('iterators ask for at most 100,000 turns by times and concurrent_iterators run at most 10,000 branches', () => {
    const many = runFlow(define(t('concurrent_iterator', { times: 20000 }, [echo('x')]), echo('after')));
    assert.deepEqual([many.status, many.trace], ['error', []]);
    assert.match(many.state.errors[0].message, /at most 10000 branches/);
    const turns = runFlow(define(t('iterator', { times: 10000000 }, [echo('x')])));
    assert.deepEqual([turns.status, turns.state.errors[0].message], ['error', 'times is at most 100000']);
    assert.deepEqual(runFlow(define(t('concurrent_iterator', { times: 3 }, [echo('${v:i}')]))).trace.sort(), ['0', '1', '2']);
  });
});
