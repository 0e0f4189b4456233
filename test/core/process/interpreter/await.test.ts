import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, define, echo, p, runFlow, t } from './harness.js';

const branch = (...children: Parameters<typeof t>[2] & object) => t('sequence', {}, children);

describe('await (ruote eft_40 scenarios, within one process)', () => {
  test('tags entered and left, by name, regex, full tag and lists', () => {
    const h = runFlow(define(t('concurrence', { wait_for: 5 }, [
      branch(t('await', { left_tag: 'alpha' }), echo('a0')),
      branch(t('await', { entered_tag: 'alpha' }), echo('a1')),
      branch(t('await', { entered_tag: '/pha$/' }), echo('a2')),
      branch(t('await', { tags: 'alpha' }), echo('a3')),
      branch(t('await', { entered_tag: '/pha./' }), echo('a9')),
      branch(t('noop'), t('sequence', { tag: 'alpha' }, [echo('alpha')])),
    ])));
    assert.deepEqual([...h.trace].sort(), ['a0', 'a1', 'a2', 'a3', 'alpha']);
    const lists = runFlow(define(t('concurrence', {}, [
      branch(t('await', { left_tag: 'a, b' }), echo('ab')),
      branch(t('await', { left_tag: ['c', 'd'] }), echo('cd')),
      branch(t('noop'), t('concurrence', {}, [echo('a', { tag: 'a' }), echo('c', { tag: 'c' })])),
    ])));
    assert.deepEqual([...lists.trace].sort(), ['a', 'ab', 'c', 'cd']);
    const full = runFlow(define(t('concurrence', {}, [
      branch(t('await', { tags: 'a/b' }), echo('a/b')),
      t('sequence', { tag: 'a' }, [t('noop'), t('sequence', { tag: 'b' }, [echo('b')])]),
    ])));
    assert.deepEqual([...full.trace].sort(), ['a/b', 'b']);
  });

  test('participants reached and left', () => {
    const h = new Harness(define(t('concurrence', {}, [
      branch(t('await', { reached_participant: 'a' }), echo('b')),
      branch(t('await', { left_participant: 'a' }), echo('c')),
      branch(t('noop'), p('a')),
    ]))).launch();
    assert.deepEqual(h.trace, ['b']);
    h.proceed('a');
    assert.deepEqual(h.trace, ['b', 'c']);
    assert.equal(h.status, 'completed');
  });

  test('errors by message, regex, class or any; a bare await value is a left tag', () => {
    const h = new Harness(define(t('concurrence', { wait_for: 4 }, [
      branch(t('await', { error: '/na(d|f)a/' }), echo('e0')),
      branch(t('await', { error: 'nada' }), echo('e1')),
      branch(t('await', { error: 'Ruote::ForcedError, ArgumentError' }), echo('e2')),
      branch(t('await', { error: null }), echo('e3')),
      branch(t('noop'), t('error', { nada: null })),
    ]))).launch();
    assert.deepEqual([...h.trace].sort(), ['e0', 'e1', 'e2', 'e3']);
    assert.deepEqual(runFlow(define(t('concurrence', {}, [branch(t('await', { await: 'x' }), echo('after x')), branch(t('noop'), echo('x', { tag: 'x' }))]))).trace, ['x', 'after x']);
  });

  test('with children, await runs them on every event and keeps listening', () => {
    const h = new Harness(define(t('concurrence', {}, [
      t('await', { left_participant: 'alpha' }, [echo('seen ${f:n}')]),
      t('sequence', {}, [p('alpha'), p('alpha'), t('cancel_process')]),
    ]))).launch();
    h.proceed('alpha', { n: 1 });
    h.proceed('alpha', { n: 2 });
    assert.deepEqual(h.trace, ['seen 1', 'seen 2']);
    assert.equal(h.status, 'cancelled');
    assert.equal(h.state.trackers, undefined);
  });

  test('an await without an event to listen to is an error', () => {
    assert.match(runFlow(define(t('await', { x: 1 }))).state.errors[0].message, /couldn't determine/);
  });

  test('the await attribute delays any expression until the event (ruote ft_82)', () => {
    const left = new Harness(define(t('concurrence', {}, [
      branch(echo('b', { await: 'left_tag:x' })),
      t('sequence', { tag: 'x' }, [t('wait', { '1s': null }), echo('a')]),
    ]))).launch();
    assert.deepEqual(left.trace, []);
    left.advance(1000);
    assert.deepEqual(left.trace, ['a', 'b']);
    assert.equal(left.status, 'completed');
    assert.equal(left.state.trackers, undefined);
    const entered = runFlow(define(t('concurrence', {}, [
      branch(echo('c', { await: 'tag:x' })),
      branch(echo('a'), t('wait', { '0.35': null }), echo('b', { tag: 'x' })),
    ])));
    assert.deepEqual(entered.trace, ['a', 'b', 'c']);
    const bare = runFlow(define(t('concurrence', {}, [
      branch(echo('b', { await: 'x' })),
      t('sequence', { tag: 'x' }, [t('wait', { '.350': null }), echo('a')]),
    ])));
    assert.deepEqual(bare.trace, ['a', 'b']);
  });

  test('an awaiting expression is cancelled with the process', () => {
    const h = new Harness(define(p('alpha', { await: 'never' }))).launch();
    assert.deepEqual(h.reached, []);
    h.send({ type: 'cancel' });
    assert.equal(h.status, 'cancelled');
    assert.equal(h.state.trackers, undefined);
  });

  test('listen: to a participant upon apply or reply, to a tag upon leaving, to errors', () => {
    const h = new Harness(define(t('concurrence', {}, [
      branch(t('listen', { to: 'alpha' }), echo('applied')),
      branch(t('listen', { to: 'alpha', upon: 'reply' }), echo('replied ${f:x}')),
      branch(t('listen', { to: 'x', upon: 'leaving' }), echo('left x')),
      branch(t('listen', { to: 'errors' }), echo('error seen')),
      branch(t('noop'), t('sequence', { tag: 'x' }, [p('alpha')]), t('error', { boom: null })),
    ]))).launch();
    assert.deepEqual(h.trace, ['applied']);
    h.proceed('alpha', { x: 1 });
    assert.deepEqual(h.trace, ['applied', 'replied 1', 'left x', 'error seen']);
  });
});
