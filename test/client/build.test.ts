import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const pkg = 'packages/client';

test('the package builds to ESM with type declarations (npm install builds it), and the build loads on Node, by its name too', async () => {
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${pkg}/tsconfig.json`]);
  for (const f of ['index.js', 'index.d.ts', 'worker.d.ts', 'participant.d.ts', 'generated/openapi.d.ts']) assert.ok(existsSync(join(pkg, 'dist', f)), f);
  const mod = await import(pathToFileURL(join(pkg, 'dist/index.js')).href);
  for (const name of ['createClient', 'createWorker', 'createParticipant', 'WeftError', 'FlowConnection']) assert.equal(typeof mod[name], 'function', name);
  // As a user of the workspace imports it: by its name, through its exports, no `weft-source` condition, no tsx.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', "console.log(Object.keys(await import('@weft/client')).join(','))"], {
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.ok(stdout.trim().split(',').includes('createWorker'));
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
