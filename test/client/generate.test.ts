import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OUT, generate } from '../../packages/client/scripts/generate.js';

test("the committed client types are in step with the server's OpenAPI document", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-client-types-'));
  try {
    const out = await generate({ out: join(dir, 'openapi.ts') });
    const fresh = readFileSync(out, 'utf8');
    const committed = readFileSync(DEFAULT_OUT, 'utf8');
    assert.ok(fresh.includes('"/v1/tasks/claim"'), 'the document lists the routes');
    assert.ok(
      fresh === committed,
      'packages/client/src/generated/openapi.ts is out of step with the routes: run `npx tsx packages/client/scripts/generate.ts` and commit the result',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
