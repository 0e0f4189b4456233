import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readInstanceFilter, readInstanceId, readRequestId, readStartInput, readSubjectUpdate, readTransitionFields } from '../../../src/engine/flow/flow-input.js';
import { createKeyedQueue } from '../../../src/engine/flow/keyed-queue.js';
import { isWeftError } from '../../../src/core/errors.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isWeftError(e)) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'ok';
};

describe('flow request readers', () => {
  test('instance ids: a UUID (lower-cased), a 404 whose message stays short, or a 400 when not a string', () => {
    assert.equal(readInstanceId('4B0C1D2E-0000-4000-8000-000000000001'), '4b0c1d2e-0000-4000-8000-000000000001');
    assert.equal(code(() => readInstanceId('nope')), '404 WEFT_FLOW_INSTANCE_NOT_FOUND');
    assert.equal(code(() => readInstanceId(42)), '400 WEFT_FLOW_REQUEST_INVALID');
    assert.equal(code(() => readInstanceId(undefined)), '400 WEFT_FLOW_REQUEST_INVALID');
    try {
      readInstanceId('x'.repeat(10_000));
    } catch (e) {
      assert.ok((e as Error).message.length < 120);
    }
  });

  test('request ids: strings up to 256 characters or finite numbers, as text', () => {
    assert.equal(readRequestId(7), '7');
    assert.equal(readRequestId('abc'), 'abc');
    assert.equal(readRequestId(undefined), null);
    for (const bad of ['', 'x'.repeat(257), {}, [1], true, Number.NaN]) assert.equal(code(() => readRequestId(bad)), '400 WEFT_FLOW_REQUEST_INVALID', JSON.stringify(bad));
  });

  test('start, transition and subject bodies', () => {
    assert.deepEqual(readStartInput({ flow: 'f', subject: 's' }), { flow: 'f', subject: 's', data: {} });
    assert.equal(code(() => readStartInput([1])), '400 WEFT_FLOW_REQUEST_INVALID');
    assert.equal(code(() => readStartInput({ flow: 'f', subject: 's'.repeat(513) })), '400 WEFT_FLOW_REQUEST_INVALID');
    assert.deepEqual(readTransitionFields('go', '', undefined, 3), { transition: 'go', step: null, input: {}, requestId: '3' });
    assert.equal(code(() => readTransitionFields('go', 5, undefined, undefined)), '400 WEFT_FLOW_REQUEST_INVALID');
    assert.deepEqual(readSubjectUpdate({ properties: { a: 1 } }), { properties: { a: 1 } });
    assert.deepEqual(readSubjectUpdate({ schema: null }), { schema: null });
    assert.deepEqual(readSubjectUpdate(undefined), {});
    assert.equal(code(() => readSubjectUpdate({ schema: 'x' })), '400 WEFT_FLOW_REQUEST_INVALID');
  });

  test('list filters', () => {
    assert.deepEqual(readInstanceFilter({ state: 'paused', limit: '5', offset: '10' }), { state: 'paused', limit: 5, offset: 10 });
    assert.deepEqual(readInstanceFilter(undefined), { limit: 100, offset: 0 });
    for (const q of [{ state: 'x' }, { limit: '1001' }, { limit: '-1' }, { offset: '1.5' }, { flow: ['a', 'b'] }]) assert.equal(code(() => readInstanceFilter(q)), '400 WEFT_FLOW_REQUEST_INVALID', JSON.stringify(q));
  });
});

describe('keyed queue', () => {
  test('tasks of one key run one at a time in call order; other keys do not wait; a failure does not block the next', async () => {
    const run = createKeyedQueue();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const a2 = run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b1 = run('b', async () => {
      log.push('b1');
      return 'b';
    });
    assert.equal(await b1, 'b');
    assert.deepEqual(log, ['a1 start', 'b1']);
    release();
    await assert.rejects(a1, /a1 failed/);
    assert.equal(await a2, 2);
    assert.deepEqual(log, ['a1 start', 'b1', 'a1 end', 'a2']);
  });
});
