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

test('isoTime across minutes, years and the edges of four-digit years, back and forth', () => {
  const values = [0, -1, 59_999, 60_000, -60_000, -60_001, Date.parse('2026-12-31T23:59:59.999Z'), Date.parse('2027-01-01T00:00:00.000Z')];
  values.push(253402300799999, 253402300800000, -62167219200000, -62167219200001, 8.64e15, -8.64e15, 1.5);
  // Back and forth between minutes, as requests in flight stamp out of order.
  for (let t = Date.parse('2026-11-28T13:59:58.000Z'); t < Date.parse('2026-11-28T14:00:03.000Z'); t += 7) values.push(t, t - 61_000);
  for (const ms of values) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});

test('isoTime keeps recent strings without mixing up times that share a slot', () => {
  const t = Date.parse('2026-11-29T02:30:00.000Z');
  // 8 ms apart: the same slot of the recent strings; -0 and 0, and a fraction beside its integer.
  const values = [t, t + 8, t, t + 16, t + 8, t - 8, 0, -0, 1, 1.5, 1, 9, t + 1, t + 9, t + 1];
  for (let round = 0; round < 3; round++) for (const ms of values) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});
