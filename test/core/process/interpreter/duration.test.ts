import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDueAt, parseDuration } from '../../../../src/core/process/interpreter/index.js';

test('durations in rufus-scheduler form', () => {
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5'), 1500);
  assert.equal(parseDuration('100'), 100);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('1w2d'), 9 * 86_400_000);
  assert.equal(parseDuration('1M'), 30 * 86_400_000);
  assert.equal(parseDuration('1y'), 365 * 86_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('4x'), undefined);
  assert.equal(parseDuration(''), undefined);
});

test('due times: relative or absolute, zone-less absolute times are UTC', () => {
  const now = Date.UTC(2026, 10, 28, 6, 0, 0);
  assert.equal(parseDueAt('2s', now), now + 2000);
  assert.equal(parseDueAt('2026-11-28T07:00:00Z', now), Date.UTC(2026, 10, 28, 7));
  assert.equal(parseDueAt('2026-11-28 07:00:00', now), Date.UTC(2026, 10, 28, 7));
  assert.equal(parseDueAt('2026-11-28 16:00:00 +0900', now), Date.UTC(2026, 10, 28, 7));
  assert.equal(parseDueAt('2026-11-29', now), Date.UTC(2026, 10, 29));
  assert.equal(parseDueAt('tomorrow', now), undefined);
});
