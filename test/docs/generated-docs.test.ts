import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configurationDoc, errorsDoc, collectErrors } from '../../scripts/gen-docs.js';

test('docs/errors.md lists every error code defined in src/ (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), errorsDoc());
});

test('error codes are unique and well-formed', () => {
  const errors = collectErrors();
  assert.ok(errors.length > 10);
  for (const e of errors) {
    assert.match(e.code, /^WEFT_[A-Z0-9_]+$/);
    assert.ok(e.status >= 400 && e.status < 600, e.code);
  }
});

test('docs/configuration.md lists every setting (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/configuration.md', 'utf8'), configurationDoc());
});
