import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, retryAfterMs } from '../../packages/client/src/backoff.js';
import { errorFromResponse } from '../../packages/client/src/errors.js';
import { leaseMsOf, describeError, NonRetryableError } from '../../packages/client/src/worker-task.js';

test('backoff doubles from the base, is capped, and keeps jitter within [0.5, 1] of the ceiling', () => {
  assert.equal(backoffDelay(0, { baseMs: 100 }, () => 1), 100);
  assert.equal(backoffDelay(3, { baseMs: 100 }, () => 1), 800);
  assert.equal(backoffDelay(3, { baseMs: 100 }, () => 0), 400);
  assert.equal(backoffDelay(40, { baseMs: 100, maxMs: 5000 }, () => 1), 5000);
});

test('Retry-After in seconds or as an HTTP date', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs('0.5'), 500);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('soon'), null);
  const now = Date.parse('2026-11-28T07:00:00Z');
  assert.equal(retryAfterMs('Sat, 28 Nov 2026 07:00:03 GMT', now), 3000);
});

test('errors read the code header and the three body styles', () => {
  const h = (code?: string) => new Headers(code ? { 'weft-error-code': code } : {});
  const a = errorFromResponse(404, h('WEFT_TASK_NOT_FOUND'), { message: 'task 1 not found' });
  assert.deepEqual([a.status, a.code, a.message, a.retryable], [404, 'WEFT_TASK_NOT_FOUND', 'task 1 not found', false]);
  const b = errorFromResponse(400, h('WEFT_WORKFLOW_MISSING'), { error: 'workflow is missing' });
  assert.equal(b.message, 'workflow is missing');
  const c = errorFromResponse(409, h(), { result: 'failure', message: 'nope', errors: [{ code: 'X', message: 'nope' }] });
  assert.deepEqual([c.code, c.errors.length], ['HTTP_409', 1]);
  assert.equal(errorFromResponse(503, h(), '').retryable, true);
  // A proxy's HTML page: a short message, the page itself in `body`.
  const page = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${'<p>padding</p>'.repeat(200)}</body>\n</html>`;
  const d = errorFromResponse(502, h(), page);
  assert.equal(d.message, `HTTP 502: ${`<html> <head><title>502 Bad Gateway</title></head> <body>${'<p>padding</p>'.repeat(10)}`.slice(0, 100)}…`);
  assert.equal(d.body, page);
  assert.equal(errorFromResponse(502, h(), 'Bad Gateway').message, 'HTTP 502: Bad Gateway');
});

test("the lease is measured on the server's clock; errors are described with message, name, stack and data", () => {
  assert.equal(leaseMsOf({ started_at: '2026-11-28T07:00:00.000Z', lease_expires_at: '2026-11-28T07:00:30.000Z' }), 30_000);
  assert.equal(leaseMsOf({ started_at: null, lease_expires_at: null }), 30_000);
  const d = describeError(new NonRetryableError('bad', { f: 1 }));
  assert.equal(d.message, 'bad');
  assert.equal(d.name, 'NonRetryableError');
  assert.deepEqual(d.data, { f: 1 });
  assert.equal(typeof d.stack, 'string');
  assert.deepEqual(describeError('plain'), { message: 'plain' });
});
