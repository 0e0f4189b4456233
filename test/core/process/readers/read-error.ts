// Test helper: runs a reader expected to fail and returns the WeftError's details.
import assert from 'node:assert/strict';
import { isWeftError } from '../../../../src/core/errors.js';

export function readError(read: () => unknown): { message: string; line?: number; column?: number } {
  try {
    read();
  } catch (e) {
    assert.ok(isWeftError(e), `expected a WeftError, got ${String(e)}`);
    assert.equal(e.code, 'WEFT_WORKFLOW_INVALID');
    assert.equal(e.status, 400);
    assert.equal(e.message, 'workflow is invalid');
    const details = e.details as { message: string; line?: number; column?: number };
    assert.equal(typeof details.message, 'string');
    return details;
  }
  assert.fail('expected the read to fail');
}
