import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

describe('cancel, kill, pause, resume, cancel_process', () => {
  test('cancel: every active participant gets a cancel dispatch, the process ends cancelled', () => {
    const h = new Harness(define(t('concurrence', {}, [p('alpha'), p('bravo')]), echo('never'))).launch();
    assert.equal(h.send({ type: 'cancel' }), undefined);
    const cancels = h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').map((e) => e.type === 'dispatch' && e.participant);
    assert.deepEqual(cancels.sort(), ['alpha', 'bravo']);
    assert.equal(h.status, 'cancelled');
    assert.deepEqual(h.effects.at(-1), { type: 'ended', status: 'cancelled' });
    assert.deepEqual(h.trace, []);
    assert.equal(h.active().length, 0);
    assert.equal(h.send({ type: 'cancel' }), 'workflow_id not found');
  });

  test('stopped work carrying an error is called back with status error (an on_error handler cancelled)', () => {
    const h = new Harness(define(t('sequence', { on_error: 'handler' }, [t('error', { boom: null })]))).launch();
    assert.deepEqual(h.reached, ['handler']);
    assert.ok('__error__' in h.pending[0].fields);
    h.send({ type: 'cancel' });
    const stops = h.effects.filter((e) => e.type === 'dispatch' && e.status !== 'active').map((e) => e.type === 'dispatch' && [e.participant, e.status]);
    assert.deepEqual(stops, [['handler', 'error']]);
    assert.equal(h.status, 'cancelled');
  });

  test('on_cancel runs a participant or a subprocess before the process ends', () => {
    const h = new Harness(define(t('sequence', { on_cancel: 'catcher' }, [p('nemo')]))).launch();
    h.send({ type: 'cancel' });
    assert.deepEqual(h.reached, ['nemo', 'catcher']);
    assert.equal(h.status, 'running');
    h.proceed('catcher');
    assert.equal(h.status, 'cancelled');
    const s = new Harness(define(t('sequence', { on_cancel: 'decommission' }, [p('alpha')]), t('define', { decommission: null }, [echo('d0'), echo('d1')]))).launch();
    s.send({ type: 'cancel' });
    assert.deepEqual(s.trace, ['d0', 'd1']);
    assert.equal(s.status, 'cancelled');
  });

  test('kill: no cancel callbacks, no on_cancel', () => {
    const h = new Harness(define(t('sequence', { on_cancel: 'catcher' }, [p('nemo')]))).launch();
    h.send({ type: 'kill' });
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status !== 'active').length, 0);
    assert.deepEqual(h.reached, ['nemo']);
    assert.equal(h.status, 'cancelled');
  });

  test('pause holds proceeds and timers until resume', () => {
    const h = new Harness(define(p('alpha'), t('wait', { '1s': null }), echo('done'))).launch();
    h.send({ type: 'pause' });
    assert.equal(h.state.paused, true);
    h.proceed('alpha');
    h.advance(5000);
    assert.deepEqual(h.trace, []);
    h.send({ type: 'resume' });
    assert.deepEqual(h.trace, []);
    h.advance(1000);
    assert.deepEqual(h.trace, ['done']);
    const q = new Harness(define(t('wait', { '1s': null }), echo('done'))).launch();
    q.send({ type: 'pause' });
    q.advance(1000);
    assert.deepEqual(q.trace, []);
    q.send({ type: 'resume' });
    assert.deepEqual(q.trace, ['done']);
  });

  test('cancel_process / terminate end the process from inside; kill_process without callbacks', () => {
    const h = runFlow(define(t('concurrence', {}, [p('alpha'), t('sequence', {}, [echo('a'), t('cancel_process'), echo('b')])]), echo('c')), {}, () => 'hold');
    assert.deepEqual(h.trace, ['a']);
    assert.equal(h.status, 'cancelled');
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 1);
    assert.equal(runFlow(define(echo('a'), t('terminate'), echo('b'))).status, 'cancelled');
    const k = runFlow(define(t('concurrence', {}, [p('alpha'), t('kill_process')])), {}, () => 'hold');
    assert.equal(k.status, 'cancelled');
    assert.equal(k.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 0);
  });

  test('reminder timers then kill_process from a subprocess', () => {
    const h = new Harness(define(p('form_submitter', { timers: '1s: reminder, 2s: cancel_submission' }),
      t('define', { reminder: null }, [p('notifier', { message_type: 'reminder' })]),
      t('define', { cancel_submission: null }, [echo('draft_timeout'), t('kill_process')]))).launch();
    h.advance(1000);
    h.proceed('notifier');
    h.advance(1000);
    assert.deepEqual(h.reached, ['form_submitter', 'notifier']);
    assert.deepEqual(h.trace, ['draft_timeout']);
    assert.equal(h.status, 'cancelled');
    assert.equal(Object.keys(h.state.expressions).length, 0);
  });
});

describe('tags: undo / cancel / kill / redo', () => {
  test('undo and cancel by tag', () => {
    for (const undo of [t('undo', { ref: 'kilroy' }), t('cancel', { kilroy: null })]) {
      const h = runFlow(define(t('concurrence', {}, [p('alpha', { tag: 'kilroy' }), undo]), echo('over.')), {}, () => 'hold');
      assert.deepEqual(h.trace, ['over.']);
      assert.equal(h.status, 'completed');
      assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 1);
      const past = h.state.variables.__past_tags__ as unknown[][];
      assert.equal(past.length, 1);
      assert.equal(past[0][0], 'kilroy');
      assert.equal(past[0][2], 'cancelled');
    }
  });

  test('undo of an enclosing tag, of a missing tag', () => {
    assert.deepEqual(runFlow(define(t('sequence', { tag: 'richard' }, [t('cancel', { richard: null }), echo('out')]), echo('.'))).trace, ['.']);
    assert.deepEqual(runFlow(define(t('cancel', { nada: null }), echo('.'))).trace, ['.']);
  });

  test('kill by tag: no cancel callback', () => {
    const h = runFlow(define(t('concurrence', {}, [p('alpha', { tag: 'k' }), t('kill', { k: null })]), echo('over.')), {}, () => 'hold');
    assert.deepEqual(h.trace, ['over.']);
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 0);
  });

  test('redo by tag restarts the tagged expression with its applied workitem', () => {
    const h = new Harness(define(t('sequence', { tag: 'seq' }, [p('alpha'), t('redo', { ref: 'seq' })]))).launch();
    h.proceed('alpha', { x: 1 });
    assert.equal(h.pending[0].fields.x, undefined);
    h.proceed('alpha');
    assert.deepEqual(h.reached, ['alpha', 'alpha', 'alpha']);
    assert.equal(h.state.errors.length, 0);
    assert.deepEqual(runFlow(define(t('redo', { nada: null }), echo('.'))).trace, ['.']);
    assert.deepEqual(runFlow(define(t('set', { 'v:nada': [] }), t('redo', { nada: null }), echo('.'))).trace, ['.']);
  });

  test('tags are variables: ${v:tag} is set while inside, __tags__ lists them', () => {
    const h = new Harness(define(t('sequence', { tag: 'outer' }, [t('sequence', { tag: 'inner' }, [p('alpha')])]))).launch();
    assert.deepEqual(h.pending[0].fields.__tags__, ['outer', 'inner']);
    h.proceed('alpha');
    assert.equal(h.status, 'completed');
    assert.equal(h.state.variables.outer, undefined);
    assert.equal(h.state.fields!.__left_tag__, 'outer');
  });
});

describe('tags and workitems (ruote ft_7 scenarios)', () => {
  test('__tags__ follows the tagged expressions being entered and left', () => {
    const h = new Harness(define(t('sequence', { tag: 'first-stage' }, [p('alpha')]),
      t('sequence', { tag: 'second-stage' }, [p('bravo'), p('charly', { tag: 'third-stage' })]), p('david'))).launch();
    const tags: unknown[] = [];
    while (h.pending.length) tags.push(h.proceed().fields.__tags__);
    assert.deepEqual(tags, [['first-stage'], ['second-stage'], ['second-stage', 'third-stage'], []]);
  });

  test('tags through a union concurrence; __left_tag__ and an empty __tags__ at the end', () => {
    const h = runFlow(define(t('sequence', { tag: 'phase1' }, [t('concurrence', { merge_type: 'union' }, [p('alpha'), p('bravo')]), p('charly')])),
      { fields: { my_array: [1] } }, (d) => (d.participant === 'charly' ? { tags: d.fields.__tags__ } : {}));
    assert.deepEqual(h.state.fields!.tags, ['phase1']);
    assert.equal(h.state.fields!.__left_tag__, 'phase1');
    assert.deepEqual(h.state.fields!.__tags__, []);
  });

  test('tag variables point at the tagged expressions while they run', () => {
    const h = new Harness(define(t('sequence', { tag: 'main' }, [p('alpha', { tag: 'part' })]))).launch();
    const vars = h.state.expressions[h.state.root!].variables!;
    assert.equal((vars.main as { fei: string }).fei.split('!')[0], '0_0');
    assert.equal((vars.part as { fei: string }).fei.split('!')[0], '0_0_0');
    h.proceed();
    assert.equal(h.state.variables.main, undefined);
    assert.equal((h.state.variables.__past_tags__ as unknown[]).length, 2);
  });
});

describe('forget, lose, flank', () => {
  test('forget attribute: the parent goes on, the branch lives on', () => {
    const h = new Harness(define(p('alpha', { forget: true }), p('bravo'), echo('done'))).launch();
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    h.proceed('bravo');
    assert.deepEqual(h.trace, ['done']);
    assert.equal(h.status, 'completed');
    assert.deepEqual(h.active().map((w) => w.participant), ['alpha']);
    h.proceed('alpha');
    assert.equal(h.active().length, 0);
  });

  test('forget expression', () => {
    const h = new Harness(define(t('forget', {}, [p('alpha'), p('bravo')]), echo('after'))).launch();
    assert.deepEqual(h.trace, ['after']);
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
  });

  test('lose: the branch never replies, so a concurrence with count goes on without it', () => {
    const h = new Harness(define(t('concurrence', { count: 1 }, [t('lose', {}, [p('alpha')]), p('bravo')]), echo('over'))).launch();
    h.proceed('alpha');
    assert.deepEqual(h.trace, []);
    h.proceed('bravo');
    assert.deepEqual(h.trace, ['over']);
    const a = new Harness(define(t('concurrence', { count: 1 }, [t('sequence', { lose: true }, [echo('x')]), p('bravo')]), echo('over'))).launch();
    assert.deepEqual(a.trace, ['x']);
    a.proceed('bravo');
    assert.deepEqual(a.trace, ['x', 'over']);
  });

  test('flank: the parent goes on; the flank is cancelled when the parent ends', () => {
    const h = new Harness(define(t('sequence', {}, [p('bravo', { flank: true }), p('alpha')]), echo('done'))).launch();
    assert.deepEqual(h.reached, ['bravo', 'alpha']);
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['done']);
    const c = h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel');
    assert.equal(c.length, 1);
    assert.equal(h.status, 'completed');
    const s = runFlow(define(t('sequence', {}, [t('sub0', { flank: true }), echo('over')]), t('define', { sub0: null }, [t('stall')])));
    assert.deepEqual(s.trace, ['over']);
    assert.equal(s.status, 'completed');
    assert.equal(Object.keys(s.state.expressions).length, 0);
  });
});

describe('concurrent_iterator', () => {
  test('one branch per value, each with its own variables; merged at the end', () => {
    const h = new Harness(define(t('concurrent_iterator', { on_val: 'alice, bob, charly', to_var: 'v' }, [t('participant', { '${v:v}': null })]), echo('done.'))).launch();
    assert.deepEqual(h.reached, ['alice', 'bob', 'charly']);
    assert.deepEqual(h.pending.map((d) => d.workitemId.split('!')[0]), ['0_0_0', '0_0_0', '0_0_0']);
    assert.equal(new Set(h.pending.map((d) => d.workitemId)).size, 3);
    h.proceed('charly');
    h.proceed('alice');
    assert.deepEqual(h.trace, []);
    h.proceed('bob');
    assert.deepEqual(h.trace, ['done.']);
  });

  test('empty body, body skipped by if, empty list', () => {
    assert.deepEqual(runFlow(define(t('concurrent_iterator', { on_val: 'a, b', to_var: 'v' }), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('concurrent_iterator', { on_val: 'a, b', to_var: 'v' }, [p('nada', { if: 'false' })]), echo('done.'))).trace, ['done.']);
    assert.deepEqual(runFlow(define(t('citerator', { on_val: '', to_var: 'v' }, [echo('x')]), echo('done.'))).trace, ['done.']);
  });

  test('on_field, to_field, several children (an implicit sequence), times, a hash', () => {
    assert.deepEqual(runFlow(define(t('concurrent_iterator', { on_field: 'assets', to_var: 'v' }, [t('participant', { '${v:v}': null })])), { fields: { assets: ['a', 'b'] } }).reached, ['a', 'b']);
    const seq = new Harness(define(t('concurrent_iterator', { on_val: ['a', 'b'], to_field: 'f' }, [t('participant', { '${f:f}': null }), echo('${f:f}')]), echo('done.'))).launch();
    assert.deepEqual(seq.pending.map((d) => d.workitemId.split('!')[0]), ['0_0_0', '0_0_0']);
    seq.run();
    assert.deepEqual(seq.trace, ['a', 'b', 'done.']);
    assert.deepEqual(runFlow(define(t('concurrent_iterator', { times: 3 }, [echo('${v:i}/${v:ii}')]))).trace, ['0/0', '1/1', '2/2']);
    const hash = runFlow(define(t('concurrent_iterator', { on_val: { a: 'A' }, to_f: 'f' }, [p('p1')]), echo('out')));
    assert.deepEqual(hash.effects.find((e) => e.type === 'dispatch')!.type === 'dispatch' && (hash.effects.find((e) => e.type === 'dispatch') as unknown as { fields: { f: unknown } }).fields.f, ['a', 'A']);
  });

  test('merge_type isolate keeps each branch under its index', () => {
    const h = runFlow(define(t('concurrent_iterator', { on_val: 'x, y', to_f: 'f', merge_type: 'isolate' }, [t('set', { 'f:seen': '${f:f}' })])));
    assert.deepEqual(Object.keys(h.state.fields!).sort(), ['0', '1']);
    assert.equal((h.state.fields!['1'] as { seen: string }).seen, 'y');
  });
});

describe('take, discard', () => {
  const fill = () => ({ a: 'A', aa: 'A', b: 'B', c: 'C' });
  test('take keeps only the named (or matching) fields of the reply', () => {
    assert.deepEqual(Object.keys(runFlow(define(t('set', { 'f:x': 'X' }), t('set', { 'f:y': 'Y' }), p('alpha', { take: 'a' })), {}, fill).state.fields!).sort(), ['a', 'x', 'y']);
    assert.deepEqual(Object.keys(runFlow(define(t('set', { 'f:x': 'X' }), p('alpha', { take: '/^a/' })), {}, fill).state.fields!).sort(), ['a', 'aa', 'x']);
  });

  test('discard drops the named fields, or every change with true', () => {
    assert.deepEqual(Object.keys(runFlow(define(t('set', { 'f:x': 'X' }), t('set', { 'f:y': 'Y' }), p('alpha', { discard: ['a', 'b', 'aa'] })), {}, fill).state.fields!).sort(), ['c', 'x', 'y']);
    assert.deepEqual(runFlow(define(t('set', { 'f:x': 'X' }), p('alpha', { discard: true })), {}, fill).state.fields, { x: 'X' });
  });
});
