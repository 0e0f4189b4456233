import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const pkg = 'packages/client';

test('the package builds to ESM with type declarations, and the build loads on Node', async () => {
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${pkg}/tsconfig.json`]);
  for (const f of ['index.js', 'index.d.ts', 'worker.d.ts', 'participant.d.ts', 'generated/openapi.d.ts']) assert.ok(existsSync(join(pkg, 'dist', f)), f);
  const mod = await import(pathToFileURL(join(pkg, 'dist/index.js')).href);
  for (const name of ['createClient', 'createWorker', 'createParticipant', 'WeftError', 'FlowConnection']) assert.equal(typeof mod[name], 'function', name);
});

test('no source file imports a Node built-in; ws is loaded only at run time, by a computed name', () => {
  const dir = join(pkg, 'src');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 10);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.doesNotMatch(text, /from ['"](node:|ws['"])|import\(['"](node:|ws['"])|require\(/, f);
  }
});
