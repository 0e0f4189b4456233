import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nestFormBody, readBody } from '../../../src/transport/http/workflow-form.js';

test('bracket keys of a form body become nested objects and arrays', () => {
  assert.deepEqual(
    nestFormBody({ workflow: 'define', 'callbacks[alpha]': 'http://a', 'callbacks[bravo]': 'http://b', 'fields[x]': 'y', 'fields[a][b]': 'c', 'fields[list][]': ['1', '2'] }),
    { workflow: 'define', callbacks: { alpha: 'http://a', bravo: 'http://b' }, fields: { x: 'y', a: { b: 'c' }, list: ['1', '2'] } },
  );
});

test('prototype keys are dropped; JSON bodies pass through untouched', () => {
  const nested = nestFormBody({ '__proto__[polluted]': 'yes', 'fields[constructor][x]': '1', ok: '1' });
  assert.deepEqual(nested, { ok: '1' });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const json = { 'fields[x]': 'kept' };
  assert.equal(readBody(json, 'application/json'), json);
  assert.deepEqual(readBody({ 'fields[x]': 'y' }, 'application/x-www-form-urlencoded; charset=utf-8'), { fields: { x: 'y' } });
});
