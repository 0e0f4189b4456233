import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSettings } from '../../../src/engine/settings.js';
import { DEFAULT_RETRY_DELAYS, retryDelayMs } from '../../../src/engine/process/delivery-worker.js';

test('the default retry schedule is n^5 + 30 seconds for retries 0…10, about 2.6 days in all', () => {
  assert.deepEqual([...DEFAULT_RETRY_DELAYS], [30, 31, 62, 273, 1054, 3155, 7806, 16837, 32798, 59079, 100030]);
  const settings = compileSettings({}, {});
  assert.equal(retryDelayMs(settings, 0), 30_000);
  assert.equal(retryDelayMs(settings, 10), 100_030_000);
  assert.equal(retryDelayMs(settings, 11), null, 'then the participant errors');
  const days = DEFAULT_RETRY_DELAYS.reduce((a, b) => a + b, 0) / 86400;
  assert.ok(days > 2.5 && days < 2.7, String(days));
});

test('WEFT_CALLBACK_RETRY_DELAYS replaces the schedule', () => {
  const settings = compileSettings({}, { WEFT_CALLBACK_RETRY_DELAYS: '0.2,0.2,0.5' });
  assert.deepEqual([0, 1, 2, 3].map((n) => retryDelayMs(settings, n)), [200, 200, 500, null]);
});
