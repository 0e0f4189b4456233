import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessCache } from '../../src/storage/process-cache.js';
import type { ProcessState } from '../../src/core/process/interpreter/index.js';

const state = (note: string) => ({ note }) as unknown as ProcessState;

test('process cache: an entry is taken once, and only at its seq and launch time', () => {
  const c = createProcessCache();
  c.put('a', 3, 100, { state: state('s3'), tokens: {} }, 10);
  assert.equal(c.has('a'), true);
  assert.equal(c.take('a', 4, 100), null, 'another seq: a miss, and the entry is dropped');
  assert.equal(c.has('a'), false);
  c.put('a', 3, 100, { state: state('s3'), tokens: {} }, 10);
  assert.equal(c.take('a', 3, 101), null, 'another launch of the same wfid');
  c.put('a', 3, 100, { state: state('s3'), tokens: { w: 't' } }, 10);
  assert.deepEqual(c.take('a', 3, 100), { state: state('s3'), tokens: { w: 't' } });
  assert.equal(c.take('a', 3, 100), null, 'taken: the step owns it now');
});

test('process cache: a later version is not replaced by an earlier one; forget drops it', () => {
  const c = createProcessCache();
  c.put('a', 5, 100, { state: state('s5'), tokens: {} }, 10);
  c.put('a', 4, 100, { state: state('s4'), tokens: {} }, 10);
  assert.deepEqual(c.take('a', 5, 100)?.state, state('s5'));
  c.put('a', 6, 100, { state: state('s6'), tokens: {} }, 10);
  c.forget('a');
  assert.equal(c.has('a'), false);
});

test('process cache: bounded by entries and by characters, least recently put first out', () => {
  const c = createProcessCache({ entries: 2, chars: 100 });
  c.put('a', 1, 1, { state: state('a'), tokens: {} }, 10);
  c.put('b', 1, 1, { state: state('b'), tokens: {} }, 10);
  c.put('c', 1, 1, { state: state('c'), tokens: {} }, 10);
  assert.deepEqual([c.has('a'), c.has('b'), c.has('c')], [false, true, true]);
  c.put('d', 1, 1, { state: state('d'), tokens: {} }, 95);
  assert.deepEqual([c.has('b'), c.has('c'), c.has('d')], [false, false, true]);
  c.put('e', 1, 1, { state: state('e'), tokens: {} }, 300_000);
  assert.equal(c.has('e'), false, 'too large to keep');
});
