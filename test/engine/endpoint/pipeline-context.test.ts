import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { iso } from '../../../src/engine/endpoint/pipeline-context.js';

describe('iso', () => {
  test('writes what Date#toISOString writes, across minutes, years and the edges of four-digit years', () => {
    const values = [0, -1, 59_999, 60_000, -60_000, -60_001, Date.parse('2026-12-31T23:59:59.999Z'), Date.parse('2027-01-01T00:00:00.000Z')];
    values.push(253402300799999, 253402300800000, -62167219200000, -62167219200001, 8.64e15, -8.64e15);
    // Back and forth between minutes, as requests in flight stamp out of order.
    for (let t = Date.parse('2026-11-28T13:59:58.000Z'); t < Date.parse('2026-11-28T14:00:03.000Z'); t += 7) values.push(t, t - 61_000);
    for (const ms of values) assert.equal(iso(ms), new Date(ms).toISOString(), String(ms));
    assert.throws(() => iso(Number.NaN), RangeError);
  });
});
