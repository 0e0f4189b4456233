import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../src/core/iso-time.js';

test('isoTime is Date#toISOString, for repeated and for many distinct times', () => {
  const base = Date.UTC(2026, 10, 28, 11, 59, 59, 999);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i += 7) {
      const ms = base + i * 1013;
      assert.equal(isoTime(ms), new Date(ms).toISOString());
    }
  }
  for (const ms of [0, -1, 1, 8.64e15, -8.64e15]) assert.equal(isoTime(ms), new Date(ms).toISOString());
  assert.throws(() => isoTime(Number.NaN), RangeError);
});
