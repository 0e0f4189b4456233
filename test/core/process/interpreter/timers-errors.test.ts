import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

// Participants with a URL; any other name reached has none, so its branch errors.
const cb = { alpha: 'http://a', bravo: 'http://b', charly: 'http://c', catcher: 'http://k', mark_started: 'http://m', mark_failed: 'http://m', mark_finished: 'http://m' };

describe('wait / sleep', () => {
  test('wait for a duration, sleep, wait until an absolute time', () => {
    const h = new Harness(define(echo('a'), t('wait', { '2s': null }), echo('b'), t('sleep', { for: '1m' }), echo('c'),
      t('wait', { until: '2026-11-28T08:00:00Z' }), echo('d'))).launch();
    assert.deepEqual(h.trace, ['a']);
    const due = h.effects.find((e) => e.type === 'schedule');
    assert.deepEqual(due && due.type === 'schedule' && due.dueAt, h.now + 2000);
    h.advance(1999);
    assert.deepEqual(h.trace, ['a']);
    h.advance(1);
    assert.deepEqual(h.trace, ['a', 'b']);
    h.advance(60_000);
    assert.deepEqual(h.trace, ['a', 'b', 'c']);
    h.advance(2 * 3600_000);
    assert.deepEqual(h.trace, ['a', 'b', 'c', 'd']);
    assert.equal(h.status, 'completed');
  });

  test('duration forms: 1h30m, 1.5 (seconds), 100 (milliseconds), 2d', () => {
    for (const [text, ms] of [['1h30m', 5_400_000], ['1.5', 1500], ['100', 100], ['2d', 172_800_000]] as const) {
      const h = new Harness(define(t('wait', { [text]: null }))).launch();
      const s = h.effects.find((e) => e.type === 'schedule');
      assert.ok(s && s.type === 'schedule');
      assert.equal(s.dueAt - h.now, ms, text);
    }
  });

  test('a cancelled wait unschedules its timer', () => {
    const h = new Harness(define(t('wait', { '1h': null }))).launch();
    assert.equal(h.send({ type: 'cancel' }), undefined);
    assert.equal(h.status, 'cancelled');
    assert.equal(h.timers.size, 0);
    assert.ok(h.effects.some((e) => e.type === 'unschedule'));
  });
});

describe('every / cron (intervals only)', () => {
  test('every runs its child at each interval until cancelled', () => {
    const h = new Harness(define(t('concurrence', { count: 1 }, [t('every', { '1h': null }, [echo('tick')]), t('sequence', {}, [t('wait', { '3h': null }), echo('stop')])]), echo('done'))).launch();
    h.advance(3 * 3600_000);
    // At 3h both timers are due; the wait's (older) fires first and the concurrence cancels every.
    assert.deepEqual(h.trace, ['tick', 'tick', 'stop', 'done']);
    assert.equal(h.status, 'completed');
    assert.equal(h.timers.size, 0);
    assert.match(runFlow(define(t('cron', { '0 9 * * 1-5': null }, [echo('x')]))).state.errors[0].message, /cron tabs/);
  });
});

describe('timeout, on_timeout', () => {
  test('a participant timing out gets a timeout dispatch; the flow goes on with __timed_out__', () => {
    const h = new Harness(define(p('alpha', { timeout: '1.1' }), p('bravo')), { callbacks: cb }).launch();
    h.advance(1100);
    const to = h.effects.find((e) => e.type === 'dispatch' && e.status === 'timeout');
    assert.ok(to && to.type === 'dispatch' && to.participant === 'alpha');
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    assert.ok(Array.isArray(h.pending[0].fields.__timed_out__));
    assert.equal(h.timers.size, 0);
  });

  test('replying before the timeout unschedules it; proceeding a timed-out workitem is refused', () => {
    const h = new Harness(define(p('alpha', { timeout: '2s' }), p('bravo')), { callbacks: cb }).launch();
    const a = h.proceed('alpha');
    assert.equal(h.timers.size, 0);
    assert.ok(h.effects.some((e) => e.type === 'unschedule'));
    assert.equal(h.pending[0].fields.__timed_out__, undefined);
    assert.equal(a.participant, 'alpha');
    const g = new Harness(define(p('alpha', { timeout: '2s' }), p('bravo')), { callbacks: cb }).launch();
    const timedOut = g.pending[0].workitemId;
    g.advance(2000);
    assert.equal(g.send({ type: 'proceed', workitemId: timedOut }), 'workitem_id not found');
  });

  test('timeout on a sequence, with an absolute time', () => {
    const h = new Harness(define(t('sequence', { timeout: '2026-11-28T06:00:02Z' }, [p('alpha')]), echo('after'))).launch();
    h.advance(2000);
    assert.deepEqual(h.trace, ['after']);
    assert.equal(h.status, 'completed');
    assert.equal(h.active().length, 0);
  });

  test('on_timeout: redo re-dispatches, a subprocess name runs in its place', () => {
    const r = new Harness(define(p('alpha', { timeout: '1s', on_timeout: 'redo' })), { callbacks: cb }).launch();
    r.advance(1000);
    r.advance(1000);
    assert.deepEqual(r.reached, ['alpha', 'alpha', 'alpha']);
    const s = runFlow(define(t('sequence', { timeout: '1.1', on_timeout: 'timedout' }, [p('alpha')]), t('define', { timedout: null }, [echo('timed out')])), {}, () => 'hold');
    assert.deepEqual(s.trace, ['timed out']);
    assert.equal(s.status, 'completed');
  });

  test('on_timeout: error puts the branch in error; replay with a corrected tree resumes', () => {
    const h = new Harness(define(p('alpha', { timeout: '1.1', on_timeout: 'error' }), echo('end')), { callbacks: cb }).launch();
    h.advance(1100);
    assert.equal(h.state.errors.length, 1);
    assert.equal(h.status, 'error');
    assert.equal(h.send({ type: 'replay', errorId: h.state.errors[0].id, tree: ['bravo', {}, []] }), undefined);
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    assert.ok(h.pending[0].fields.__timed_out__);
    assert.equal(h.status, 'running');
    h.proceed('bravo');
    assert.deepEqual(h.trace, ['end']);
  });

  test('on_timeout: jump to a sibling in the cursor', () => {
    const h = runFlow(define(t('cursor', {}, [p('alpha', { timeout: '1.1', on_timeout: 'jump to charly' }), p('bravo'), p('charly')])), { callbacks: cb },
      (d) => (d.participant === 'alpha' ? 'hold' : {}));
    assert.deepEqual(h.reached, ['alpha', 'charly']);
    assert.equal(h.status, 'completed');
  });

  test('timers attribute: a reminder participant runs aside, the expression goes on', () => {
    const h = new Harness(define(p('alpha', { timers: '1h: bravo, 2h: timeout' }), echo('done')), { callbacks: cb }).launch();
    h.advance(3600_000);
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    h.advance(3600_000);
    assert.deepEqual(h.trace, ['done']);
  });
});

describe('on_error', () => {
  test('a participant catches the error (with __error__); neutralised by on_error ""', () => {
    const h = new Harness(define(t('sequence', { on_error: 'catcher' }, [p('nada')])), { callbacks: cb }).launch();
    assert.deepEqual(h.reached, ['catcher']);
    const err = h.pending[0].fields.__error__ as Record<string, unknown>;
    assert.match(String(err.message), /nada/);
    assert.equal(err.expid, '0_0_0');
    assert.equal(h.state.errors.length, 0);
    h.proceed();
    assert.equal(h.status, 'completed');
    const n = new Harness(define(t('sequence', { on_error: 'catcher' }, [t('sequence', { on_error: '' }, [p('nada')])])), { callbacks: cb }).launch();
    assert.deepEqual(n.reached, []);
    assert.equal(n.state.errors.length, 1);
  });

  test('on_error on a sequence and on the failing participant itself', () => {
    for (const tree of [
      define(p('mark_started'), t('sequence', { on_error: 'mark_failed' }, [p('bogus')]), p('mark_finished')),
      define(p('mark_started'), p('bogus', { on_error: 'mark_failed' }), p('mark_finished')),
    ]) {
      assert.deepEqual(runFlow(tree, { callbacks: cb }).reached, ['mark_started', 'mark_failed', 'mark_finished']);
    }
  });

  test('redo / retry re-apply the failing expression', () => {
    for (const handler of ['redo', 'retry']) {
      const h = runFlow(define(t('sequence', { on_error: handler }, [t('inc', { 'v:/n': null }), echo('${v:n}'), t('error', { fail: null, if: '${v:n} == 1' }), echo('done.')])));
      assert.deepEqual(h.trace, ['1', '2', 'done.'], handler);
    }
  });

  test('undo / pass skip the failing expression; raise records the error', () => {
    for (const handler of ['undo', 'pass']) {
      const h = runFlow(define(echo('a'), t('sequence', { on_error: handler }, [echo('b'), p('nemo'), echo('c')]), echo('d')), { callbacks: cb });
      assert.deepEqual(h.trace, ['a', 'b', 'd']);
      assert.equal(h.status, 'completed');
    }
    const r = runFlow(define(t('sequence', { on_error: 'raise' }, [t('error', { nada: null })])));
    assert.equal(r.state.errors.length, 1);
    assert.equal(r.state.errors[0].message, 'nada');
  });

  test('process-level on_error with a subprocess; a missing handler is a regular error', () => {
    const h = runFlow(['define', { on_error: 'failpath' }, [p('nemo'), t('define', { failpath: null }, [echo('failed.')])]], { callbacks: cb });
    assert.deepEqual(h.trace, ['failed.']);
    assert.equal(h.status, 'completed');
    const m = runFlow(['define', { on_error: 'failpath' }, [p('nemo')]], { callbacks: cb });
    assert.equal(m.state.errors.length, 1);
    assert.match(m.state.errors[0].message, /failpath/);
  });

  test('on_error on a concurrence: the other branches are cancelled, the handler runs once', () => {
    const h = runFlow(define(t('concurrence', { on_error: 'catcher' }, [p('alpha'), t('error', { nada0: null }), t('error', { nada1: null })]), echo('done.')), { callbacks: cb });
    assert.deepEqual(h.trace, ['done.']);
    assert.deepEqual(h.reached, ['alpha', 'catcher']);
    assert.equal(h.effects.filter((e) => e.type === 'dispatch' && e.status === 'cancel').length, 1);
  });

  test('on_error as a list of [pattern, handler]', () => {
    const h = runFlow(define(t('sequence', { on_error: [['/no callback URL/', 'alpha'], [null, 'bravo']] }, [p('nada')])), { callbacks: cb });
    assert.deepEqual(h.reached, ['alpha']);
    const pass = runFlow(define(t('sequence', { on_error: [{ '/no callback/': 'pass' }, { '': 'bravo' }] }, [p('nada')]), echo('done.')), { callbacks: cb });
    assert.deepEqual(pass.trace, ['done.']);
    assert.deepEqual(pass.reached, []);
  });

  test('on_error: rewind in a cursor', () => {
    const h = runFlow(define(t('cursor', { on_error: 'rewind' }, [echo('in'), t('inc', { 'v:counter': null }), t('error', { fail: null, if: '${v:counter} == 1' }), echo('over.')])));
    assert.deepEqual(h.trace, ['in', 'in', 'over.']);
  });

  test('timed retries: "1s: retry * 3" then a process error; "1s: retry, pass" then goes on', () => {
    const h = new Harness(define(p('alpha', { on_error: '1s: retry * 3' })), { callbacks: {} }).launch();
    assert.equal(h.state.errors.length, 0);
    h.advance(1000);
    h.advance(1000);
    assert.equal(h.state.errors.length, 0);
    h.advance(1000);
    assert.equal(h.state.errors.length, 1);
    assert.match(h.state.errors[0].message, /alpha/);
    const pass = new Harness(define(p('alpha', { on_error: '1s: retry, pass' }), echo('over.')), { callbacks: {} }).launch();
    assert.deepEqual(pass.trace, []);
    pass.advance(1000);
    assert.deepEqual(pass.trace, ['over.']);
    const quick = runFlow(define(p('alpha', { on_error: 'retry * 2' })), { callbacks: {} });
    assert.equal(quick.state.errors.length, 1);
  });

  test('delivery failure: on_error handles it, else a process error that replay re-dispatches', () => {
    const h = new Harness(define(p('alpha', { on_error: 'bravo' }), echo('end')), { callbacks: cb }).launch();
    assert.equal(h.send({ type: 'delivery_failed', workitemId: h.pending[0].workitemId, message: 'HTTP 500' }), undefined);
    assert.deepEqual(h.reached, ['alpha', 'bravo']);
    assert.match(String((h.pending.at(-1)!.fields.__error__ as { message: string }).message), /HTTP 500/);
    const e = new Harness(define(p('alpha'), echo('end')), { callbacks: cb }).launch();
    const wid = e.pending[0].workitemId;
    e.send({ type: 'delivery_failed', workitemId: wid, message: 'HTTP 500' });
    assert.equal(e.state.errors.length, 1);
    assert.match(e.state.errors[0].message, /HTTP 500/);
    assert.equal(e.send({ type: 'delivery_failed', workitemId: 'nope', message: 'x' }), 'workitem_id not found');
    e.send({ type: 'replay', errorId: e.state.errors[0].id });
    assert.equal(e.reached.length, 2);
    e.proceed('alpha');
    assert.deepEqual(e.trace, ['end']);
    assert.equal(e.status, 'completed');
  });
});

describe('error expression, replay', () => {
  test('error stalls its branch only; replay goes on past it', () => {
    const h = new Harness(define(t('concurrence', {}, [t('sequence', {}, [echo('a'), t('error', { 'something went wrong': null }), echo('b')]), p('alpha')]), echo('c')), { callbacks: cb }).launch();
    assert.deepEqual(h.trace, ['a']);
    assert.equal(h.state.errors[0].message, 'something went wrong');
    assert.equal(h.status, 'error');
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['a']);
    assert.equal(h.send({ type: 'replay', errorId: 'nope' }), 'error not found');
    h.send({ type: 'replay', errorId: h.state.errors[0].id });
    assert.deepEqual(h.trace, ['a', 'b', 'c']);
    assert.equal(h.status, 'completed');
  });

  test('error without text; replay with corrected fields', () => {
    const e = new Harness(define(t('error'), echo('${f:x}'))).launch();
    assert.equal(e.state.errors[0].message, 'error triggered from process definition');
    e.send({ type: 'replay', errorId: e.state.errors[0].id, fields: { x: 'fixed' } });
    assert.deepEqual(e.trace, ['fixed']);
  });

  test('replay with a corrected tree for a participant without URL', () => {
    const h = new Harness(define(p('nemo'), echo('end')), { callbacks: cb }).launch();
    assert.equal(h.state.errors.length, 1);
    h.send({ type: 'replay', errorId: h.state.errors[0].id, tree: ['participant', { ref: 'alpha' }, []] });
    assert.deepEqual(h.reached, ['alpha']);
    assert.deepEqual(h.state.tree[2][0], ['participant', { ref: 'alpha' }, []]);
    h.proceed('alpha');
    assert.deepEqual(h.trace, ['end']);
  });

  test('cancelling an errored branch drops its error', () => {
    const h = new Harness(define(t('concurrence', {}, [t('error', { boom: null }), p('alpha', { tag: 't' })]), echo('x')), { callbacks: cb }).launch();
    assert.equal(h.status, 'error');
    h.send({ type: 'cancel' });
    assert.equal(h.status, 'cancelled');
    assert.deepEqual(h.state.errors, []);
  });

  test('error re: re-raises an error kept in a field, or goes on when there is none', () => {
    const h = runFlow(define(
      t('define', { handler: null }, [t('set', { 'f:err': '$f:__error__' })]),
      t('sequence', { on_error: 'handler' }, [t('error', { 'fail!': null })]),
      t('error', { re: '$f:err' }),
    ));
    assert.equal(h.state.errors.length, 1);
    assert.equal(h.state.errors[0].message, 'fail!');
    assert.equal(runFlow(define(t('error', { re: '$f:err' }))).status, 'completed');
  });

  test('a step that never settles becomes a process error instead of hanging', () => {
    const h = new Harness(define(echo('in'), t('loop', {}, [t('noop')]))).launch();
    assert.equal(h.status, 'error');
    assert.match(h.state.errors[0].message, /endless loop/);
    assert.deepEqual(h.trace, ['in']);
    assert.equal(h.send({ type: 'cancel' }), undefined);
    assert.equal(h.status, 'cancelled');
  });
});
